import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractMongoCollection;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.bson.Document;
import java.lang.reflect.Field;
import java.util.List;
import org.h2.mvstore.MVMap;

/**
 * H2's collection, answering a query through a unique index whose fields the query names, with other
 * conditions besides, as MongoDB does: `{_id: x, claimId: y}` looks up `_id` and checks `claimId` on that one
 * document. The server on its own uses an index only for a query on exactly its fields, and scans the whole
 * collection otherwise.
 */
final class CompactCollection extends H2Collection {
  private static final Field INDEXES = indexesField();

  CompactCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> data,
      MVMap<String, Object> meta, CursorRegistry cursorRegistry) {
    super(database, name, options, data, meta, cursorRegistry);
  }

  @Override
  protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fields) {
    List<Index<Object>> indexes = indexes();
    for (Index<Object> index : indexes) {
      if (index.canHandle(query)) return super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
    }
    for (Index<Object> index : indexes) {
      Document narrowed = narrow(query, index);
      if (narrowed != null && index.canHandle(narrowed)) {
        return matchDocuments(query, index.getPositions(narrowed), orderBy, skip, limit, batchSize, fields);
      }
    }
    return super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
  }

  /** The query's conditions on the index's fields alone, or null when the query leaves one of them open. */
  private static Document narrow(Document query, Index<Object> index) {
    if (query.keySet().stream().anyMatch(key -> key.startsWith("$"))) return null;
    Document narrowed = new Document();
    for (IndexKey key : index.getKeys()) {
      if (!query.containsKey(key.getKey())) return null;
      narrowed.put(key.getKey(), query.get(key.getKey()));
    }
    return narrowed;
  }

  @SuppressWarnings("unchecked")
  private List<Index<Object>> indexes() {
    try {
      return (List<Index<Object>>) INDEXES.get(this);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Field indexesField() {
    try {
      Field field = AbstractMongoCollection.class.getDeclaredField("indexes");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("mongo-java-server's collection has no index list", e);
    }
  }
}

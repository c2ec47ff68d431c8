import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * H2's database with its documents and unique indexes stored through {@link CompactDataType}, its collections
 * {@link CompactCollection}s.
 */
final class CompactDatabase extends H2Database {
  private static final CompactDataType TYPE = new CompactDataType();

  // H2Database opens its collections and indexes from its own constructor, before a field of this class is
  // assigned, so the one store of the process is held statically.
  static MVStore store;

  CompactDatabase(String databaseName, CursorRegistry cursorRegistry) {
    super(databaseName, store, cursorRegistry);
  }

  @Override
  protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
    MVMap<KeyValue, Object> map = store.openMap(
        getFullCollectionNamespace(collectionName) + "._index_" + indexName,
        new MVMap.Builder<KeyValue, Object>().keyType(TYPE).valueType(TYPE));
    return new CompactUniqueIndex(map, indexName, keys, sparse);
  }

  @Override
  protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
    String name = getFullCollectionNamespace(collectionName);
    MVMap<Object, Document> data = store.openMap("databases." + name, new MVMap.Builder<Object, Document>().valueType(TYPE));
    MVMap<String, Object> meta = store.openMap("meta." + name);
    return new CompactCollection(this, collectionName, options, data, meta, cursorRegistry);
  }
}

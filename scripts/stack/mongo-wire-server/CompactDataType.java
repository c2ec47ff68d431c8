import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

/**
 * How documents and index keys are stored and ordered. H2's generic type stores both with Java serialization
 * and, since an index key is not Comparable, orders index keys by serializing both sides of every comparison:
 * that was most of the server's CPU under an insert load. Here documents and keys are stored as BSON and keys
 * are compared value by value, in MongoDB's order. Anything BSON cannot hold falls back to H2's generic type.
 */
final class CompactDataType extends BasicDataType<Object> {
  private static final byte GENERIC = 0;
  private static final byte KEY = 1;
  private static final byte DOCUMENT = 2;
  private static final String KEY_FIELD = "k";

  private final ObjectDataType generic = new ObjectDataType();
  private final ValueComparator values = ValueComparator.ascWithoutListHandling();

  @Override
  public int compare(Object a, Object b) {
    if (a instanceof KeyValue ka && b instanceof KeyValue kb) return compareKeys(ka, kb);
    return generic.compare(a, b);
  }

  private int compareKeys(KeyValue a, KeyValue b) {
    int sizes = Integer.compare(a.size(), b.size());
    if (sizes != 0) return sizes;
    for (int i = 0; i < a.size(); i++) {
      int cmp = compareValues(a.get(i), b.get(i));
      if (cmp != 0) return cmp;
    }
    return 0;
  }

  private int compareValues(Object a, Object b) {
    if (a instanceof String sa && b instanceof String sb) return sa.compareTo(sb);
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
        int cmp = compareValues(la.get(i), lb.get(i));
        if (cmp != 0) return cmp;
      }
      return Integer.compare(la.size(), lb.size());
    }
    return values.compare(a, b);
  }

  @Override
  public int getMemory(Object obj) {
    return estimate(obj);
  }

  // A cheap size estimate: MVStore splits pages and sizes its cache by it, so it must be near the real size
  // without encoding anything.
  private static int estimate(Object obj) {
    if (obj == null) return 8;
    if (obj instanceof String s) return 40 + 2 * s.length();
    if (obj instanceof Number || obj instanceof Boolean) return 24;
    if (obj instanceof Map<?, ?> map) {
      int size = 48;
      for (Map.Entry<?, ?> e : map.entrySet()) size += 32 + estimate(e.getKey()) + estimate(e.getValue());
      return size;
    }
    if (obj instanceof Iterable<?> items) {
      int size = 40;
      for (Object item : items) size += 8 + estimate(item);
      return size;
    }
    return 64;
  }

  @Override
  public void write(WriteBuffer buff, Object obj) {
    byte[] bson = null;
    byte tag = GENERIC;
    if (obj instanceof KeyValue key) {
      List<Object> items = new ArrayList<>(key.size());
      key.forEach(items::add);
      bson = encode(new Document(KEY_FIELD, items));
      tag = KEY;
    } else if (obj instanceof Document doc) {
      bson = encode(doc);
      tag = DOCUMENT;
    }
    if (bson == null) {
      buff.put(GENERIC);
      generic.write(buff, obj);
      return;
    }
    buff.put(tag).putVarInt(bson.length).put(bson);
  }

  private static byte[] encode(Document doc) {
    ByteBuf buf = Unpooled.buffer();
    try {
      BsonEncoder.encodeDocument(doc, buf);
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      return bytes;
    } catch (RuntimeException notBson) {
      return null;
    } finally {
      buf.release();
    }
  }

  @Override
  public Object read(ByteBuffer buff) {
    byte tag = buff.get();
    if (tag == GENERIC) return generic.read(buff);
    byte[] bson = new byte[DataUtils.readVarInt(buff)];
    buff.get(bson);
    Document doc = BsonDecoder.decodeBson(Unpooled.wrappedBuffer(bson));
    if (tag == DOCUMENT) return doc;
    return new KeyValue((Collection<?>) doc.get(KEY_FIELD));
  }

  @Override
  public Object[] createStorage(int size) {
    return new Object[size];
  }
}

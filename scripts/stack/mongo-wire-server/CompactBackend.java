import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.h2.mvstore.MVStore;

/** H2's backend whose databases are {@link CompactDatabase}s. */
final class CompactBackend extends H2Backend {
  CompactBackend(MVStore store) {
    super(remember(store));
  }

  private static MVStore remember(MVStore store) {
    CompactDatabase.store = store;
    return store;
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return new CompactDatabase(databaseName, getCursorRegistry());
  }
}

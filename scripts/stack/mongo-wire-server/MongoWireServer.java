import de.bwaldvogel.mongo.MongoServer;
import org.h2.mvstore.MVStore;

/**
 * The local stack's MongoDB-wire server: mongo-java-server with its H2 (MVStore) backend, data in one file,
 * documents and index keys stored by {@link CompactDataType}.
 * Usage: MongoWireServer <data file> <port> [cache MiB]. SIGTERM closes the store cleanly, so a restart
 * keeps the data.
 */
public final class MongoWireServer {
  // MVStore's default page cache (16 MiB) is soon outgrown: every lookup then reads and decodes pages again.
  private static final int DEFAULT_CACHE_MIB = 256;
  // Rewriting chunks in the background once live data falls under 90% of them (the default) keeps a core
  // busy under a steady insert and delete load; at 50% the file grows to about twice the live data instead.
  private static final int AUTO_COMPACT_FILL_RATE = 50;

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: MongoWireServer <data file> <port> [cache MiB]");
      System.exit(2);
    }
    int cacheMib = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_CACHE_MIB;
    MVStore store = new MVStore.Builder().fileName(args[0]).cacheSize(cacheMib).autoCompactFillRate(AUTO_COMPACT_FILL_RATE).open();
    MongoServer server = new MongoServer(new CompactBackend(store));
    server.bind("127.0.0.1", Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
    System.out.println("mongo-wire server ready on 127.0.0.1:" + args[1]);
  }
}

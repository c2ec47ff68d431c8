import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/**
 * The local stack's MongoDB-wire server: mongo-java-server with its H2 (MVStore) backend, data in one file.
 * Usage: MongoWireServer <data file> <port>. SIGTERM closes the store cleanly, so a restart keeps the data.
 */
public final class MongoWireServer {
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: MongoWireServer <data file> <port>");
      System.exit(2);
    }
    MongoServer server = new MongoServer(new H2Backend(args[0]));
    server.bind("127.0.0.1", Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
    System.out.println("mongo-wire server ready on 127.0.0.1:" + args[1]);
  }
}

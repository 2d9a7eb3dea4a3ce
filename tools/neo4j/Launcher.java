import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingImpl;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts Neo4j Community in this JVM (Bolt and HTTP on 127.0.0.1, free ports, auth on), writes
 * "bolt=URI" and "http=URI" lines to a ready file, and stops when its standard input closes, so
 * the JVM ends with whoever started it.
 *
 * <p>Usage: Launcher DATA_DIR PASSWORD READY_FILE [setting=value ...]
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: Launcher DATA_DIR PASSWORD READY_FILE [setting=value ...]");
            System.exit(2);
        }
        Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(Path.of(args[0]))
                .withConfig(GraphDatabaseSettings.auth_enabled, true);
        Map<String, Setting<Object>> declared = Config.defaults().getDeclaredSettings();
        for (int i = 3; i < args.length; i++) {
            builder = withSetting(builder, declared, args[i]);
        }
        Neo4j neo4j = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(neo4j::close));
        neo4j.databaseManagementService().database("system").executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                new HashMap<>(Map.of("password", args[1])));
        Path ready = Path.of(args[2]);
        Path partial = Path.of(args[2] + ".part");
        Files.writeString(partial, "bolt=" + neo4j.boltURI() + "\nhttp=" + neo4j.httpURI() + "\n",
                StandardCharsets.UTF_8);
        Files.move(partial, ready);
        drain(System.in);
        System.exit(0);
    }

    @SuppressWarnings("unchecked")
    private static Neo4jBuilder withSetting(
            Neo4jBuilder builder, Map<String, Setting<Object>> declared, String pair) {
        int eq = pair.indexOf('=');
        Setting<Object> setting = eq > 0 ? declared.get(pair.substring(0, eq)) : null;
        if (setting == null) {
            throw new IllegalArgumentException("not a Neo4j setting=value: " + pair);
        }
        Object value = ((SettingImpl<Object>) setting).parse(pair.substring(eq + 1));
        return builder.withConfig(setting, value);
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
            // Nothing to read: the parent holds standard input open while Neo4j should run.
        }
    }
}

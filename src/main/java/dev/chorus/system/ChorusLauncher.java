package dev.chorus.system;

import dev.chorus.ChorusApplication;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts an instance from environment variables. The settings are checked before Spring starts so that a bad
 * value stops the process with one clear line and exit code 2; tests start instances through the same path.
 */
public final class ChorusLauncher {

    private ChorusLauncher() {
    }

    public static void main(String[] args) {
        Map<String, Object> properties;
        try {
            properties = StartupSettings.toProperties(System.getenv());
        } catch (InvalidSettingsException e) {
            System.err.println("chorus: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            start(properties, args);
        } catch (RuntimeException e) {
            System.err.println("chorus: failed to start: " + rootMessage(e));
            System.exit(1);
        }
    }

    /** Starts an instance for the given environment; used by {@link #main} and by tests that run several instances. */
    public static ConfigurableApplicationContext start(Map<String, String> env) {
        return start(StartupSettings.toProperties(env));
    }

    static ConfigurableApplicationContext start(Map<String, Object> properties, String... args) {
        SpringApplication app = new SpringApplication(ChorusApplication.class);
        String[] all = new String[properties.size() + args.length];
        int i = 0;
        for (Map.Entry<String, Object> p : properties.entrySet()) {
            all[i++] = "--" + p.getKey() + "=" + p.getValue();
        }
        System.arraycopy(args, 0, all, i, args.length);
        return app.run(all);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}

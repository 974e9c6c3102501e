package dev.chorus;

import dev.chorus.system.InvalidSettingsException;
import dev.chorus.system.StartupSettings;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * One Chorus instance: stateless, sharing PostgreSQL and Redis with its peers. Settings come from the environment
 * and are checked before Spring starts, so a bad value stops the process with one clear line (exit code 2);
 * tests start instances through the same {@link #start} path.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ChorusApplication {

    /**
     * Tomcat quotes what a client sent when it refuses a malformed request (the URL with its query, a cookie header,
     * a parameter's value): a URL may carry an access token ({@code /ws?access_token=}), a cookie the refresh token,
     * and no credential may reach a log. {@code NONE} keeps these notes out of the log at every level; the client
     * still gets its 400, and the balancer's log has the request (without the query on /ws).
     */
    static final String TOMCAT_USER_DATA_LOGGING = "org.apache.juli.logging.UserDataHelper.CONFIG";

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
            run(properties, args);
        } catch (RuntimeException e) {
            System.err.println("chorus: failed to start: " + rootMessage(e));
            System.exit(1);
        }
    }

    /** Starts an instance for the given environment variables; extra arguments are Spring properties for tests. */
    public static ConfigurableApplicationContext start(Map<String, String> env, String... args) {
        return run(StartupSettings.toProperties(env), args);
    }

    private static ConfigurableApplicationContext run(Map<String, Object> properties, String... args) {
        if (System.getProperty(TOMCAT_USER_DATA_LOGGING) == null) {
            System.setProperty(TOMCAT_USER_DATA_LOGGING, "NONE");
        }
        String[] all = new String[properties.size() + args.length];
        int i = 0;
        for (Map.Entry<String, Object> p : properties.entrySet()) {
            all[i++] = "--" + p.getKey() + "=" + p.getValue();
        }
        System.arraycopy(args, 0, all, i, args.length);
        return new SpringApplication(ChorusApplication.class).run(all);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}

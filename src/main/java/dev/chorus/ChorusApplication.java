package dev.chorus;

import dev.chorus.system.ChorusLauncher;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** One Chorus instance: stateless, sharing PostgreSQL and Redis with its peers. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ChorusApplication {

    public static void main(String[] args) {
        ChorusLauncher.main(args);
    }
}

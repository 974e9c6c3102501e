package dev.chorus.opskit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DumpListingTest {

    /** Shaped as pg_restore --list (PostgreSQL 15) prints a Chorus dump, shortened. */
    private static final String LISTING = """
            ;
            ; Archive created at 2026-11-29 12:00:00 UTC
            ;     dbname: chorus
            ;     TOC Entries: 40
            ;     Compression: -1
            ;     Dump Version: 1.14-0
            ;     Format: CUSTOM
            ;
            ; Selected TOC Entries:
            ;
            214; 1259 16385 TABLE public flyway_schema_history postgres
            216; 1259 16400 TABLE public group_members postgres
            215; 1259 16390 TABLE public groups postgres
            217; 1259 16410 TABLE public messages postgres
            213; 1259 16380 TABLE public users postgres
            3380; 0 16385 TABLE DATA public flyway_schema_history postgres
            3382; 0 16400 TABLE DATA public group_members postgres
            3381; 0 16390 TABLE DATA public groups postgres
            3383; 0 16410 TABLE DATA public messages postgres
            3379; 0 16380 TABLE DATA public users postgres
            3200; 2606 16417 CONSTRAINT public messages messages_pkey postgres
            """;

    @Test
    void aCustomDumpWithEveryChorusTableAndItsRowsHasNoProblem() {
        DumpListing listing = DumpListing.parse(LISTING);
        assertThat(listing.format()).isEqualTo("CUSTOM");
        assertThat(listing.tables()).containsExactlyInAnyOrderElementsOf(DumpListing.CHORUS_TABLES);
        assertThat(listing.problems(DumpListing.CHORUS_TABLES)).isEmpty();
    }

    @Test
    void aMissingTableOrItsMissingRowsAreNamed() {
        String withoutMessages = LISTING.lines().filter(l -> !l.contains("TABLE DATA public messages"))
                .filter(l -> !l.contains("TABLE public users")).reduce("", (a, b) -> a + b + "\n");
        assertThat(DumpListing.parse(withoutMessages).problems(List.of("messages", "users", "scheduled_messages")))
                .containsExactly("the rows of table messages are not in the dump", "table scheduled_messages is not in the dump",
                        "table users is not in the dump");
    }

    @Test
    void aPlainOrDirectoryFormatDumpIsNotABackupOfTheKindRestoreTakes() {
        assertThat(DumpListing.parse(LISTING.replace("Format: CUSTOM", "Format: DIRECTORY")).problems(List.of()))
                .containsExactly("format DIRECTORY, not CUSTOM (pg_dump -Fc)");
        assertThat(DumpListing.parse("garbage\n").problems(List.of("users")))
                .containsExactly("format unknown, not CUSTOM (pg_dump -Fc)", "table users is not in the dump");
    }

    @Test
    void tablesOfAnotherSchemaDoNotCount() {
        String otherSchema = LISTING.replace(" public users ", " audit users ");
        assertThat(DumpListing.parse(otherSchema).problems(List.of("users"))).containsExactly("table users is not in the dump");
    }
}

package dev.chorus.opskit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code pg_restore --list} says a dump holds: its format, the tables it defines and the tables whose rows it
 * carries. A Chorus backup is a custom-format dump with definition and data of every table Chorus needs.
 */
record DumpListing(String format, Set<String> tables, Set<String> tablesWithData) {

    /** The tables no Chorus database can be without: the schema's history, users, groups, members and messages. */
    static final List<String> CHORUS_TABLES = List.of("flyway_schema_history", "users", "groups", "group_members", "messages");

    // e.g. "215; 1259 16386 TABLE public users postgres" and "3370; 0 16386 TABLE DATA public users postgres"
    private static final Pattern ENTRY = Pattern.compile("^\\d+; \\d+ \\d+ (TABLE DATA|TABLE) (\\S+) (\\S+) \\S+$");
    private static final Pattern FORMAT = Pattern.compile("^;\\s+Format: (\\S+)\\s*$");

    static DumpListing parse(String listing) {
        String format = "unknown";
        Set<String> tables = new TreeSet<>();
        Set<String> withData = new TreeSet<>();
        for (String line : listing.split("\n")) {
            Matcher f = FORMAT.matcher(line);
            if (f.matches()) {
                format = f.group(1);
            }
            Matcher entry = ENTRY.matcher(line.strip());
            if (entry.matches() && entry.group(2).equals("public")) {
                (entry.group(1).equals("TABLE") ? tables : withData).add(entry.group(3));
            }
        }
        return new DumpListing(format, Set.copyOf(tables), Set.copyOf(withData));
    }

    /** What is wrong with this dump as a backup of a database holding {@code required} tables; empty when nothing. */
    List<String> problems(Collection<String> required) {
        List<String> problems = new ArrayList<>();
        if (!format.equals("CUSTOM")) {
            problems.add("format " + format + ", not CUSTOM (pg_dump -Fc)");
        }
        for (String table : new TreeSet<>(required)) {
            if (!tables.contains(table)) {
                problems.add("table " + table + " is not in the dump");
            } else if (!tablesWithData.contains(table)) {
                problems.add("the rows of table " + table + " are not in the dump");
            }
        }
        return problems;
    }
}

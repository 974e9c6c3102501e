package dev.chorus.deploy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Just enough of nginx's configuration syntax to walk its blocks (directives and nested blocks, quotes and comments
 * understood), and the check that no block silently drops settings it would otherwise inherit.
 */
final class NginxConfig {

    /**
     * Directives nginx inherits into a block only when the block sets none of the same name: one {@code
     * proxy_set_header} in a location drops every {@code proxy_set_header} of its server there.
     */
    static final Set<String> INHERITED_ONLY_WHOLE = Set.of("proxy_set_header", "add_header", "proxy_hide_header",
            "proxy_pass_header", "add_trailer", "error_page", "access_log");

    record Directive(String name, List<String> args) {
    }

    record Block(String header, List<Directive> directives, List<Block> blocks) {
    }

    private NginxConfig() {
    }

    static Block parse(String text) {
        Deque<Block> open = new ArrayDeque<>();
        open.push(new Block("main", new ArrayList<>(), new ArrayList<>()));
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false; // also true for an empty quoted word, such as ""
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\'') {
                int end = text.indexOf(c, i + 1);
                word.append(text, i + 1, end);
                inWord = true;
                i = end;
            } else if (c == '#') {
                i = text.indexOf('\n', i) < 0 ? text.length() : text.indexOf('\n', i);
            } else if (Character.isWhitespace(c) || c == ';' || c == '{' || c == '}') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                if (c == ';') {
                    open.peek().directives().add(new Directive(words.getFirst(), List.copyOf(words.subList(1, words.size()))));
                    words.clear();
                } else if (c == '{') {
                    Block block = new Block(String.join(" ", words), new ArrayList<>(), new ArrayList<>());
                    open.peek().blocks().add(block);
                    open.push(block);
                    words.clear();
                } else if (c == '}') {
                    open.pop();
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        return open.getLast();
    }

    /** One line per block that sets one of {@link #INHERITED_ONLY_WHOLE} which an enclosing block sets too. */
    static List<String> droppedInheritance(Block root) {
        List<String> found = new ArrayList<>();
        walk(root, Set.of(), root.header(), found);
        return found;
    }

    private static void walk(Block block, Set<String> inherited, String where, List<String> found) {
        Set<String> own = new LinkedHashSet<>();
        block.directives().stream().map(Directive::name).filter(INHERITED_ONLY_WHOLE::contains).forEach(own::add);
        for (String name : own) {
            if (inherited.contains(name)) {
                found.add(where + ": its own " + name + " drops every " + name + " set around it");
            }
        }
        Set<String> passedOn = new LinkedHashSet<>(inherited);
        passedOn.addAll(own);
        for (Block child : block.blocks()) {
            walk(child, passedOn, where + " > " + child.header(), found);
        }
    }
}

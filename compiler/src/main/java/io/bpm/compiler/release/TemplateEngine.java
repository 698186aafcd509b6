package io.bpm.compiler.release;

import java.util.List;

/**
 * Runs compiled template code ({@link ErbCompiler}) in the director's evaluation context. The
 * one implementation is JRuby ({@code io.bpm.compiler.release.jruby.JRubyEngine}), which
 * {@link Engines} loads in a class loader of its own: this interface and its records are all the
 * rest of bpm sees of it, so nothing else needs JRuby on its class path.
 */
public interface TemplateEngine {

    /**
     * @param ruby        the compiled template
     * @param path        the template's path, as errors name it
     * @param specJson    the spec hash the director passes (properties included), as JSON
     * @param linksJson   the consumed links by name, as JSON
     * @param outputLimit the most bytes the template may output
     * @param timeoutMillis the longest the template may run
     */
    Outcome render(String ruby, String path, String specJson, String linksJson, long outputLimit, long timeoutMillis);

    sealed interface Outcome permits Output, Failure {
    }

    /** The output as ERB appended it: piece i is chunk or tag {@code ids.get(i)} (see {@link ErbCompiler}). */
    record Output(List<Integer> ids, List<String> texts) implements Outcome {
    }

    /**
     * The template failed: the Ruby exception's class and message and the template line it
     * came from (0 when unknown), or a bound was hit.
     */
    record Failure(Cause cause, String rubyClass, String message, int line) implements Outcome {
        /** The names an UnknownProperty or UnknownLink message quotes ({@code '["a.b", "c"]'} or {@code 'l'}). */
        public java.util.List<String> quotedNames() {
            java.util.regex.Matcher list = java.util.regex.Pattern.compile("Can't find \\w+ '\\[(.*)\\]'").matcher(message);
            java.util.List<String> names = new java.util.ArrayList<>();
            if (list.find()) {
                java.util.regex.Matcher each = java.util.regex.Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(list.group(1));
                while (each.find()) names.add(each.group(1));
                return names;
            }
            java.util.regex.Matcher one = java.util.regex.Pattern.compile("Can't find \\w+ '(.*)'").matcher(message);
            if (one.find()) names.add(one.group(1));
            return names;
        }
    }

    enum Cause { RAISED, TIMEOUT, OUTPUT_LIMIT, MEMORY }
}

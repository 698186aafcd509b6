package io.bpm.compiler.release;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.compiler.source.Span;
import java.util.List;

/**
 * Renders one template of a job as the director does: ERB (trim mode "-") compiled by
 * {@link ErbCompiler}, evaluated by the {@link TemplateEngine} in bpm's evaluation context with
 * the job's {@link DirectorInput}, within bounds (the output may be no larger than a bpm.yml
 * bpm lint reads, the time is bounded).
 */
public final class TemplateRenderer {
    /** A template's output is at most what bpm lint reads of a file. */
    public static final long OUTPUT_LIMIT = SourceLoader.MAX_BYTES;
    /** Far beyond any real template (the corpus's take milliseconds). */
    public static final long TIMEOUT_MILLIS = 10_000;

    private TemplateRenderer() {
    }

    /** A rendered template, or the finding that says why there is none. */
    public sealed interface Result permits Rendered, Failed {
    }

    public record Rendered(RenderedTemplate template) implements Result {
    }

    public record Failed(Diagnostic finding) implements Result {
    }

    public static Result render(TemplateEngine engine, SourceFile template, JobSpec job, DirectorInput input, boolean compat) {
        ErbCompiler.Compiled compiled = ErbCompiler.compile(template.text());
        TemplateEngine.Outcome outcome = engine.render(compiled.ruby(), template.displayName(), input.specJson(), input.linksJson(),
                OUTPUT_LIMIT, TIMEOUT_MILLIS);
        return switch (outcome) {
            case TemplateEngine.Output o -> new Rendered(assemble(template, compiled, o));
            case TemplateEngine.Failure f -> new Failed(finding(template, job, f, compat));
        };
    }

    private static RenderedTemplate assemble(SourceFile template, ErbCompiler.Compiled compiled, TemplateEngine.Output o) {
        StringBuilder text = new StringBuilder();
        for (String s : o.texts()) text.append(s);
        int[] origin = new int[text.length()];
        boolean[] fromTag = new boolean[text.length()];
        int at = 0;
        for (int i = 0; i < o.ids().size(); i++) {
            int id = o.ids().get(i);
            String piece = o.texts().get(i);
            // literal chunk N is id N, tag M is id -M-1 (ErbCompiler)
            boolean isTag = id < 0;
            int[] offsets = isTag ? null : compiled.chunkOffsets().get(id);
            int tagAt = isTag ? compiled.tagOffsets().get(-id - 1) : 0;
            for (int k = 0; k < piece.length(); k++) {
                if (isTag || offsets.length != piece.length()) {
                    origin[at + k] = isTag ? tagAt : offsets[Math.min(k, offsets.length - 1)];
                    fromTag[at + k] = true;
                } else {
                    origin[at + k] = offsets[k];
                }
            }
            at += piece.length();
        }
        SourceFile output = SourceFile.ofText(template.displayName(), text.toString());
        return new RenderedTemplate(template, output, origin, fromTag);
    }

    private static Diagnostic finding(SourceFile template, JobSpec job, TemplateEngine.Failure f, boolean compat) {
        Rule rule;
        String message;
        String hint;
        List<String> names = f.quotedNames();
        switch (f.cause()) {
            case TIMEOUT -> {
                rule = Rule.TEMPLATE_LIMIT;
                message = "rendering stopped: " + f.message() + " (a loop that does not end?)";
                hint = "a template must finish: look for a loop whose condition never changes";
            }
            case OUTPUT_LIMIT -> {
                rule = Rule.TEMPLATE_LIMIT;
                message = "rendering stopped: the output is larger than " + OUTPUT_LIMIT / (1024 * 1024) + " MiB, more than bpm lint reads of a bpm.yml";
                hint = "a bpm.yml is a few KB: look for a loop that outputs without end";
            }
            case MEMORY -> {
                rule = Rule.TEMPLATE_LIMIT;
                message = "rendering stopped: " + f.message();
                hint = "look for a value built without bound";
            }
            default -> {
                switch (f.rubyClass()) {
                    case "BpmTemplate::UnknownProperty" -> {
                        boolean declared = names.stream().anyMatch(n -> job.property(n).isPresent());
                        rule = declared ? Rule.PROPERTY_MISSING : Rule.TEMPLATE_ERROR;
                        message = f.message() + (declared
                                ? ": it has no default in the spec and no value was given, so the template cannot be rendered to check it"
                                : ": the spec of job '" + job.name() + "' does not declare it, so the director fails to render this template");
                        hint = declared
                                ? "give a value in a --properties file (" + names.getFirst() + ": ...) to lint the rendered file"
                                : "declare the property in jobs/" + job.name() + "/spec, or give p() a default";
                    }
                    case "BpmTemplate::UnknownLink" -> {
                        boolean consumed = names.stream().anyMatch(n -> job.consumes().contains(n));
                        rule = consumed ? Rule.LINK_MISSING : Rule.TEMPLATE_ERROR;
                        message = f.message() + (consumed
                                ? ": no stub for this link was given, so the template cannot be rendered to check it"
                                : ": job '" + job.name() + "' does not consume it, so the director fails to render this template");
                        hint = consumed
                                ? "stub it in a --properties file: links: {" + names.getFirst() + ": {properties: {...}, instances: [{address: ...}]}}"
                                : "add it to consumes: in jobs/" + job.name() + "/spec, or use if_link";
                    }
                    case "BpmTemplate::DirectorOnly" -> {
                        rule = Rule.DIRECTOR_ONLY;
                        message = f.message();
                        hint = null;
                    }
                    default -> {
                        rule = Rule.TEMPLATE_ERROR;
                        message = describe(f, template.displayName());
                        hint = "the director fails to render this template the same way: fix the Ruby at this line";
                    }
                }
            }
        }
        return new Diagnostic(rule, rule.severity(compat), template.displayName(), lineSpan(template, f.line()), "", message, hint, null);
    }

    /** "NameError: undefined local variable or method 'x'": the first line, without Ruby's own place prefix. */
    private static String describe(TemplateEngine.Failure f, String path) {
        String first = f.message().lines().findFirst().orElse("").strip();
        String prefix = path + ":";
        if (first.startsWith(prefix)) first = first.substring(prefix.length()).replaceFirst("^\\d+:\\s*", "");
        if (first.length() > 200) first = first.substring(0, 197) + "...";
        String cls = f.rubyClass().isEmpty() ? "error" : f.rubyClass();
        return "the template raises " + cls + (first.isEmpty() ? "" : ": " + first);
    }

    /** The text of template line {@code line} (the whole file when unknown). */
    private static Span lineSpan(SourceFile template, int line) {
        if (line < 1) return Span.FILE;
        String text = template.line(line);
        int lead = 0;
        while (lead < text.length() && (text.charAt(lead) == ' ' || text.charAt(lead) == '\t')) lead++;
        int end = text.stripTrailing().codePointCount(0, text.stripTrailing().length());
        if (end <= lead) return Span.point(line, 1);
        return new Span(line, lead + 1, line, end + 1);
    }
}

package io.bpm.compiler.monit;

import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Reads a monit file with the ANTLR grammar (MonitLexer.g4, MonitParser.g4) into a
 * {@link MonitFile}. Syntax errors become {@link Rule#MONIT_SYNTAX} findings with their place
 * and a hint; ANTLR never prints anything (its console listener is removed).
 */
public final class MonitReader {
    private MonitReader() {
    }

    /** The file's checks, or empty when it has syntax errors (all of them reported). */
    public static Optional<MonitFile> read(SourceFile source, Findings findings) {
        // A byte order mark is not white space to the lexer; a blank keeps every column in place.
        String text = source.text().startsWith("\uFEFF") ? " " + source.text().substring(1) : source.text();
        MonitLexer lexer = new MonitLexer(CharStreams.fromString(text, source.displayName()));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        MonitParser parser = new MonitParser(tokens);
        parser.removeErrorListeners();
        Errors errors = new Errors();
        lexer.addErrorListener(errors);
        parser.addErrorListener(errors);
        MonitParser.MonitFileContext tree = parser.monitFile();
        if (!errors.found.isEmpty()) {
            Span after = null;
            for (Problem p : errors.found.values()) {
                String unclosed = multiLineStringBetween(tokens, after, p.span());
                // The missing quote is the fix; the statement syntax would only distract from it.
                findings.report(Rule.MONIT_SYNTAX, p.span(), "", p.message(), unclosed != null ? unclosed : p.hint());
                after = p.span();
            }
            return Optional.empty();
        }
        List<Check> checks = new ArrayList<>();
        for (MonitParser.CheckContext c : tree.check()) checks.add(check(c, checks.size(), tokens));
        return Optional.of(new MonitFile(checks));
    }

    private static Check check(MonitParser.CheckContext c, int index, CommonTokenStream tokens) {
        Token keyword = c.getStart();
        Token nameToken = switch (c) {
            case MonitParser.ProcessCheckContext p -> p.serviceName().SERVICE_NAME().getSymbol();
            case MonitParser.ProgramCheckContext p -> p.serviceName().SERVICE_NAME().getSymbol();
            case MonitParser.OtherCheckContext p -> p.serviceName().SERVICE_NAME().getSymbol();
            case MonitParser.SystemCheckContext p -> p.serviceName().SERVICE_NAME().getSymbol();
            default -> throw new IllegalStateException("a check alternative the reader does not know: " + c.getClass());
        };
        Optional<Check.Target> target = switch (c) {
            case MonitParser.ProcessCheckContext p -> Optional.ofNullable(p.processTarget()).map(MonitReader::target);
            case MonitParser.ProgramCheckContext p -> Optional.ofNullable(p.programTarget()).map(MonitReader::target);
            case MonitParser.OtherCheckContext p -> Optional.ofNullable(p.otherTarget()).map(MonitReader::target);
            default -> Optional.empty();
        };
        List<MonitParser.StatementContext> statements = switch (c) {
            case MonitParser.ProcessCheckContext p -> p.statement();
            case MonitParser.ProgramCheckContext p -> p.statement();
            case MonitParser.OtherCheckContext p -> p.statement();
            case MonitParser.SystemCheckContext p -> p.statement();
            default -> List.of();
        };
        Program start = null;
        Program stop = null;
        for (MonitParser.StatementContext s : statements) {
            // monit keeps the last start (stop) program of a check, so do we.
            if (s.startProgram() != null) start = program("start", s.startProgram().START().getSymbol(), s.startProgram().programString(), tokens);
            if (s.stopProgram() != null) stop = program("stop", s.stopProgram().STOP().getSymbol(), s.stopProgram().programString(), tokens);
        }
        String name = unquote(nameToken.getText());
        return new Check(index, kind(keyword), name, trimmedSpan(keyword), span(nameToken),
                target, Optional.ofNullable(start), Optional.ofNullable(stop));
    }

    private static Check.Kind kind(Token keyword) {
        String[] words = keyword.getText().trim().split("[ \t]+");
        String k = words[words.length - 1].toLowerCase(Locale.ROOT);
        return switch (k) {
            case "check" -> Check.Kind.PROCESS; // "check NAME": monit's process check without the kind
            case "device" -> Check.Kind.FILESYSTEM; // monit's old name for it
            default -> Check.Kind.valueOf(k.toUpperCase(Locale.ROOT));
        };
    }

    private static Check.Target target(ParserRuleContext t) {
        Token keyword = t.getStart();
        Token value = ((TerminalNode) t.getChild(1)).getSymbol();
        return new Check.Target(keyword.getText().toLowerCase(Locale.ROOT), unquote(value.getText()), valueSpan(value));
    }

    private static Program program(String keyword, Token key, MonitParser.ProgramStringContext string, CommonTokenStream tokens) {
        Token t = string.STRING().getSymbol();
        String raw = t.getText();
        Token before = t.getTokenIndex() > 0 ? tokens.get(t.getTokenIndex() - 1) : null;
        // "start program"..."": the quote touches a word (monit accepts it; a reader does not see it)
        boolean glued = before != null && before.getType() != MonitLexer.WS && before.getType() != MonitLexer.EQ
                && before.getType() != MonitLexer.COMMENT;
        return new Program(keyword, raw.substring(1, raw.length() - 1), span(t), span(key), glued);
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** A token's place; columns in code points (ANTLR's char positions are code points too). */
    static Span span(Token t) {
        int line = t.getLine();
        int col = t.getCharPositionInLine() + 1;
        if (t.getType() == Token.EOF) return Span.point(line, col);
        String text = t.getText();
        int endLine = line;
        int endCol = col;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '\n') {
                endLine++;
                endCol = 1;
            } else if (!Character.isLowSurrogate(ch)) {
                endCol++;
            }
        }
        return new Span(line, col, endLine, endCol);
    }

    /** A token's place without the blanks some keyword tokens end with ("check process "). */
    private static Span trimmedSpan(Token t) {
        Span s = span(t);
        int trailing = t.getText().length() - t.getText().stripTrailing().length();
        return new Span(s.line(), s.column(), s.line(), s.endColumn() - trailing);
    }

    /** A value's place without its quotes. */
    private static Span valueSpan(Token t) {
        Span s = span(t);
        String text = t.getText();
        boolean quoted = !unquote(text).equals(text);
        return quoted && s.line() == s.endLine() ? new Span(s.line(), s.column() + 1, s.endLine(), s.endColumn() - 1) : s;
    }

    /**
     * A quoted string between two errors that has swallowed the start of the next statement:
     * the usual cause of a syntax error further down is its missing closing quote, which monit
     * cannot see either (a string may span lines).
     */
    private static String multiLineStringBetween(CommonTokenStream tokens, Span previousError, Span error) {
        String found = null;
        for (Token t : tokens.getTokens()) {
            Span s = span(t);
            if (s.compareTo(error) >= 0) break;
            if (previousError != null && s.compareTo(previousError) <= 0) continue;
            if (t.getType() == MonitLexer.STRING && swallowsStatement(t.getText())) {
                // the last one before the error: the nearest suspect
                found = "the string opened at line " + s.line() + ", column " + s.column() + " runs on to line " + s.endLine()
                        + ": is its closing quote missing?";
            }
        }
        return found;
    }

    /** A string with a line that starts like a statement: the text of the next line, quoted by mistake. */
    private static boolean swallowsStatement(String string) {
        String[] lines = string.split("\n", -1);
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i].strip().toLowerCase(Locale.ROOT);
            for (String start : STATEMENT_STARTS) {
                if (l.startsWith(start)) return true;
            }
        }
        return false;
    }

    private static final List<String> STATEMENT_STARTS = List.of("check ", "start", "stop", "restart", "group ", "depends ",
            "if ", "with pidfile", "mode ", "every ");

    private record Problem(Span span, String message, String hint) {
    }

    /** Turns ANTLR's reports into findings: one per place, with words a release author knows. */
    private static final class Errors extends BaseErrorListener {
        final TreeMap<Span, Problem> found = new TreeMap<>();

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int charPositionInLine,
                                String msg, RecognitionException e) {
            if (!(offendingSymbol instanceof Token t)) {
                // The lexer has a catch-all token, so this is not expected; still a finding, not a crash.
                found.putIfAbsent(Span.point(line, charPositionInLine + 1),
                        new Problem(Span.point(line, charPositionInLine + 1), "monit syntax error: " + msg, GENERAL));
                return;
            }
            Span at = span(t);
            if (t.getType() == MonitLexer.UNTERMINATED) {
                Span quote = new Span(at.line(), at.column(), at.line(), at.column() + 1);
                found.putIfAbsent(quote, new Problem(quote, "this quote is never closed, so the string runs to the end of the file",
                        "close it with a matching " + t.getText().charAt(0) + " on the same line"));
                return;
            }
            ParserRuleContext ctx = recognizer instanceof Parser p ? (e != null && e.getCtx() instanceof ParserRuleContext c ? c : p.getContext()) : null;
            IntervalSet expected = null;
            if (recognizer instanceof Parser p) {
                try {
                    expected = e != null ? e.getExpectedTokens() : p.getExpectedTokens();
                } catch (RuntimeException ignored) {
                    expected = null; // no expectation to show; the message still names the token
                }
            }
            String found = describe(t);
            String where = where(ctx);
            StringBuilder message = new StringBuilder("unexpected ").append(found);
            boolean betweenStatements = expected != null && expected.contains(Token.EOF) && expected.contains(MonitLexer.CHECK_PROCESS);
            if (betweenStatements) {
                // After a complete statement: listing every statement monit has would not help.
                message.append(" where a statement should start");
            } else {
                if (where != null) message.append(" in ").append(where);
                // In a condition anything goes, so the one thing worth saying is that 'then' is missing.
                String wanted = expected != null && expected.contains(MonitLexer.THEN) ? "'then'" : expectation(expected);
                if (wanted != null) message.append(", expected ").append(wanted);
            }
            found(at, message.toString(), hint(t, recognizer, ctx));
        }

        /** One finding per line: what ANTLR reports after the first error of a line is its recovery, not news. */
        private void found(Span at, String message, String hint) {
            if (found.keySet().stream().anyMatch(s -> s.line() == at.line())) return;
            found.put(at, new Problem(at, message, hint));
        }
    }

    static final String GENERAL = "a check reads 'check process NAME with pidfile PATH', then 'start program \"...\"', "
            + "'stop program \"...\"', 'group NAME', 'depends on NAME' and 'if ... then ...' rules "
            + "(bpm lint reads the part of monit's syntax BOSH jobs use)";

    private static String describe(Token t) {
        if (t.getType() == Token.EOF) return "end of file";
        String text = t.getText().strip();
        if (text.length() > 40) text = text.substring(0, 37) + "...";
        text = text.replace("\n", " ").replace("\r", " ").replace("\t", " ");
        return t.getType() == MonitLexer.BAD ? "character '" + text + "'" : "'" + text + "'";
    }

    /** The statement being read, in monit's words, or null at the top level. */
    private static String where(ParserRuleContext ctx) {
        for (ParserRuleContext c = ctx; c != null; c = c.getParent()) {
            String w = switch (c.getRuleIndex()) {
                case MonitParser.RULE_startProgram -> "the start program";
                case MonitParser.RULE_stopProgram -> "the stop program";
                case MonitParser.RULE_restartProgram -> "the restart program";
                case MonitParser.RULE_ifRule -> "this if-rule";
                case MonitParser.RULE_groupStatement -> "'group'";
                case MonitParser.RULE_dependsStatement -> "'depends on'";
                case MonitParser.RULE_modeStatement -> "'mode'";
                case MonitParser.RULE_everyStatement -> "'every'";
                case MonitParser.RULE_check -> "this check";
                default -> null;
            };
            if (w != null) return w;
        }
        return null;
    }

    /** The likeliest fix: from the offending token and the one before it, else from the statement. */
    private static String hint(Token t, Recognizer<?, ?> recognizer, ParserRuleContext ctx) {
        if (erb(t, recognizer)) {
            return "this is ERB, not monit: lint the monit file as BOSH renders it from the job's template";
        }
        if (t.getType() == MonitLexer.PIDFILE) {
            return "a process check names its pid file right after its name: check process NAME with pidfile PATH";
        }
        Token before = recognizer instanceof Parser p ? previous(p, t) : null;
        if (before != null && before.getType() == MonitLexer.DEP_NAME) {
            return "separate the services after 'depends on' with commas: depends on A, B";
        }
        return hint(ctx);
    }

    /** An ERB tag ({@code <%} or {@code %>}) starts at {@code t}: the template, not its rendering. */
    private static boolean erb(Token t, Recognizer<?, ?> recognizer) {
        if (!(recognizer instanceof Parser p) || !(p.getInputStream() instanceof CommonTokenStream tokens)) return false;
        if (t.getTokenIndex() < 0 || t.getTokenIndex() + 1 >= tokens.size()) return false;
        String next = tokens.get(t.getTokenIndex() + 1).getText();
        return t.getText().equals("<") && next.startsWith("%") || t.getText().equals("%") && next.equals(">");
    }

    /** The token before {@code t} on the default channel. */
    private static Token previous(Parser p, Token t) {
        if (!(p.getInputStream() instanceof CommonTokenStream tokens)) return null;
        for (int i = t.getTokenIndex() - 1; i >= 0; i--) {
            Token b = tokens.get(i);
            if (b.getChannel() == Token.DEFAULT_CHANNEL) return b;
        }
        return null;
    }

    private static String hint(ParserRuleContext ctx) {
        for (ParserRuleContext c = ctx; c != null; c = c.getParent()) {
            String h = switch (c.getRuleIndex()) {
                case MonitParser.RULE_startProgram, MonitParser.RULE_stopProgram, MonitParser.RULE_restartProgram,
                     MonitParser.RULE_programString, MonitParser.RULE_programOption ->
                        "write the program in double quotes, e.g. start program \"/var/vcap/jobs/bpm/bin/bpm start JOB -p PROC\" "
                                + "[with timeout N seconds] [as uid USER and gid GROUP]";
                case MonitParser.RULE_ifRule, MonitParser.RULE_condition, MonitParser.RULE_action, MonitParser.RULE_execOption ->
                        "an if-rule reads 'if CONDITION then ACTION', the action being alert, restart, start, stop, unmonitor "
                                + "or exec \"PROGRAM\"";
                case MonitParser.RULE_groupStatement -> "write 'group NAME' on one line";
                case MonitParser.RULE_dependsStatement -> "write 'depends on NAME', or several names separated by commas";
                case MonitParser.RULE_modeStatement -> "write 'mode active', 'mode passive' or 'mode manual'";
                case MonitParser.RULE_everyStatement -> "write 'every N cycles' or 'every \"CRON SPEC\"'";
                case MonitParser.RULE_processTarget -> "a process check names its pid file right after its name: "
                        + "check process NAME with pidfile /var/vcap/sys/run/bpm/JOB/PROC.pid";
                case MonitParser.RULE_programTarget -> "a program check names its program right after its name: "
                        + "check program NAME with path \"PROGRAM\"";
                case MonitParser.RULE_otherTarget -> "name what is checked right after the name: "
                        + "check file NAME with path PATH, check host NAME address HOST";
                default -> null;
            };
            if (h != null) return h;
        }
        return GENERAL;
    }

    /** A short list of what would have fitted, or null when it would be too long to help. */
    private static String expectation(IntervalSet expected) {
        if (expected == null || expected.isNil() || expected.size() > 4) return null;
        if (expected.size() == 1 && expected.contains(MonitLexer.EQ)) return null;
        List<String> names = new ArrayList<>();
        for (int type : expected.toList()) {
            if (type == MonitLexer.EQ) continue; // "start program = ...": the '=' is optional, never what is missing
            String n = tokenName(type);
            if (n == null) return null;
            if (!names.contains(n)) names.add(n);
        }
        if (names.size() == 1) return names.getFirst();
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    private static String tokenName(int type) {
        return switch (type) {
            case Token.EOF -> "the end of the file";
            case MonitLexer.SERVICE_NAME, MonitLexer.DEP_NAME -> "a service name";
            case MonitLexer.GROUP_NAME -> "a group name";
            case MonitLexer.STRING -> "a quoted string";
            case MonitLexer.PATH -> "a path";
            case MonitLexer.NUMBER -> "a number";
            case MonitLexer.WORD -> "a word";
            case MonitLexer.DEP_COMMA -> "','";
            case MonitLexer.PATH_KW -> "'path'";
            case MonitLexer.CHECK_PROCESS -> "'check process'";
            case MonitLexer.CHECK_PROGRAM -> "'check program'";
            case MonitLexer.CHECK_OTHER, MonitLexer.CHECK_SYSTEM -> "'check KIND'";
            case MonitLexer.PIDFILE -> "'pidfile'";
            case MonitLexer.MATCHING -> "'matching'";
            case MonitLexer.SECONDS -> "'seconds'";
            case MonitLexer.CYCLE -> "'cycles'";
            case MonitLexer.EQ -> "'='";
            default -> {
                String symbolic = MonitLexer.VOCABULARY.getSymbolicName(type);
                yield symbolic == null ? null : "'" + symbolic.toLowerCase(Locale.ROOT) + "'";
            }
        };
    }
}

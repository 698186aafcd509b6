package io.bpm.compiler.diag;

/**
 * Every finding the compiler can report. The code (BPMnnn) and the name are stable: release
 * authors grep for them, suppress them in CI and look them up in bpm-lint(1); never renumber.
 *
 * <p>{@code compatDowngrade} marks the new errors that bpm 1.4 would accept and start: with
 * {@code --compat}, and always for {@code start}, {@code run} and {@code list}, they are
 * warnings, so what bpm 1.4 starts, this bpm starts (and a release can adopt the linter
 * gradually). Rules without it describe configs bpm 1.4 refuses, crashes on or fails every start
 * of, so they stay errors; {@link #refusedOnLoad()} tells which of those bpm 1.4 refuses when it
 * loads the file (list included) rather than only when it starts the process. The one error
 * bpm 1.4 starts is {@link #WRITABLE_SYSTEM}: a sandbox escape (io.bpm.executor.plan.SandboxEscape).
 */
public enum Rule {
    // --- 0xx: reading the file --------------------------------------------------------------
    YAML_SYNTAX(1, "yaml-syntax", Severity.ERROR, false,
            "The file is not well-formed YAML."),
    DUPLICATE_KEY(2, "duplicate-key", Severity.ERROR, false,
            "A mapping defines the same key twice; bpm refuses the file."),
    NO_PROCESSES(3, "no-processes", Severity.WARNING, false,
            "The file defines no process, so bpm can start nothing (right only when the job's monit file declares none either)."),
    NULL_ITEM(4, "null-item", Severity.ERROR, false,
            "A list item is empty (null); bpm crashes on a null process."),
    INPUT_REFUSED(5, "input-refused", Severity.ERROR, false,
            "The input is too large, too deep, not text, or expands too much to be read safely."),
    EXTRA_DOCUMENT(6, "extra-document", Severity.WARNING, false,
            "Only the first YAML document is read; later documents are ignored."),
    UNREADABLE(7, "unreadable", Severity.ERROR, false,
            "A path given to lint cannot be read: it does not exist, may not be read, or is a directory without bpm.yml files."),
    // --- 1xx: structure (the JSON Schema) -----------------------------------------------------
    UNKNOWN_KEY(101, "unknown-key", Severity.ERROR, true,
            "A key bpm does not know; bpm silently ignores it, so the setting has no effect."),
    WRONG_TYPE(102, "wrong-type", Severity.ERROR, false,
            "A value has the wrong type for its key."),
    SCHEMA(103, "schema", Severity.ERROR, false,
            "A value breaks a constraint of the bpm.yml schema."),
    FLOAT_TRUNCATED(104, "float-truncated", Severity.ERROR, true,
            "An integer setting is given a fraction; bpm silently truncates it."),
    NULL_VALUE(105, "null-value", Severity.WARNING, false,
            "A value is empty (null); bpm treats it as an empty string or drops it."),
    // --- 2xx: rules today's bpm enforces ------------------------------------------------------
    NAME_REQUIRED(201, "name-required", Severity.ERROR, false,
            "Every process needs a non-empty name."),
    EXECUTABLE_REQUIRED(202, "executable-required", Severity.ERROR, false,
            "Every process needs a non-empty executable."),
    VOLUME_NOT_CANONICAL(203, "volume-not-canonical", Severity.ERROR, false,
            "An additional volume path must be canonical (no trailing slash, //, . or ..)."),
    VOLUME_OUTSIDE_ROOT(204, "volume-outside-root", Severity.ERROR, false,
            "An additional volume path must lie strictly inside /var/vcap."),
    VOLUME_IS_DEFAULT(205, "volume-is-default", Severity.ERROR, false,
            "An additional volume may not be the job's own data or store directory."),
    SHUTDOWN_SIGNAL(206, "shutdown-signal", Severity.ERROR, false,
            "shutdown_signal must be TERM or INT."),
    // --- 3xx: what today's bpm lets through ---------------------------------------------------
    MEMORY_SIZE(301, "memory-size", Severity.ERROR, false,
            "limits.memory is not a size bpm can parse; the job fails at start."),
    MEMORY_OVERFLOW(302, "memory-overflow", Severity.ERROR, true,
            "limits.memory is too large for a 64-bit limit."),
    MEMORY_ZERO(303, "memory-zero", Severity.WARNING, false,
            "A memory limit of 0 means no limit at all."),
    CAPABILITY_UNKNOWN(304, "capability-unknown", Severity.ERROR, true,
            "Not a Linux capability; runc ignores it with a warning, so the job lacks it."),
    CAPABILITY_SPELLING(305, "capability-spelling", Severity.ERROR, true,
            "A capability is written with a CAP_ prefix or in lower case; bpm adds CAP_ itself."),
    DUPLICATE_PROCESS(306, "duplicate-process", Severity.ERROR, true,
            "Two processes share a name; bpm silently uses the first."),
    PROCESS_NAME_UNSAFE(307, "process-name-unsafe", Severity.ERROR, true,
            "A process name that escapes or collides in log, pid and lock paths."),
    PROCESS_NAME_DOT(308, "process-name-dot", Severity.WARNING, false,
            "A dot in a process name makes its container id ambiguous."),
    PATH_NOT_ABSOLUTE(309, "path-not-absolute", Severity.ERROR, true,
            "executable, workdir and hooks.pre_start must be absolute paths."),
    EMPTY_HOOK(310, "empty-hook", Severity.ERROR, false,
            "hooks is present without a pre_start program; bpm then fails every start."),
    ENV_NAME(311, "env-name", Severity.ERROR, true,
            "An environment variable name that is empty, contains '=' or is not POSIX."),
    LIMIT_RANGE(312, "limit-range", Severity.ERROR, true,
            "open_files and processes must be at least 1."),
    OPEN_FILES_LOW(313, "open-files-low", Severity.WARNING, false,
            "open_files is so low that the init and the process may fail to start."),
    VOLUME_GLOB(314, "volume-glob", Severity.WARNING, false,
            "Glob characters in additional_volumes are literal; only unrestricted_volumes expand them."),
    UNRESTRICTED_NOT_ABSOLUTE(315, "unrestricted-not-absolute", Severity.ERROR, true,
            "An unrestricted volume pattern must be an absolute path."),
    UNRESTRICTED_BAD_GLOB(316, "unrestricted-bad-glob", Severity.ERROR, false,
            "An unrestricted volume pattern is not valid glob syntax; the job fails at start."),
    UNRESTRICTED_BROAD(317, "unrestricted-broad", Severity.WARNING, false,
            "An unrestricted volume exposes a very broad part of the host."),
    VOLUME_OTHER_JOB(318, "volume-other-job", Severity.WARNING, false,
            "A volume lies under another job's directory; bpm will chown it to vcap."),
    VOLUME_WRITABLE_EXEC(319, "volume-writable-exec", Severity.WARNING, false,
            "A volume is both writable and executable: the job can plant and run code there."),
    PRIVILEGED(320, "privileged", Severity.WARNING, false,
            "The process runs as root with all capabilities and no seccomp filter."),
    VOLUME_IGNORED_OPTION(321, "volume-ignored-option", Severity.WARNING, false,
            "shared and mount_only have no effect on unrestricted volumes."),
    JOB_UNKNOWN(322, "job-unknown", Severity.INFO, false,
            "The job name is unknown, so checks that need it were skipped."),
    UNRESTRICTED_ROOT(323, "unrestricted-root", Severity.ERROR, false,
            "An unrestricted volume of / would replace the job's whole root; it cannot be compiled."),
    PATH_NOT_CANONICAL(324, "path-not-canonical", Severity.ERROR, true,
            "executable, workdir, hooks.pre_start and unrestricted volumes must be canonical paths (no //, . or .. parts, no trailing /)."),
    NUL_BYTE(325, "nul-byte", Severity.ERROR, false,
            "A value contains a NUL byte, which no program path, argument, variable or volume path can carry; every start fails."),
    WRITABLE_SYSTEM(326, "writable-system", Severity.ERROR, false,
            "A writable volume over a system directory or bpm's own state (a sandbox escape) needs unsafe.privileged; start refuses it otherwise."),
    WRITABLE_DEV(327, "writable-dev", Severity.WARNING, false,
            "A writable volume under /dev: a socket or device works read-only too, writable only lets the job change the node."),
    // --- 4xx: the job's monit file, checked against bpm and the job's bpm.yml ------------------
    // Today's bpm never reads the monit file, so none of these is downgraded by --compat: an
    // error here is a job monit cannot run as written.
    MONIT_SYNTAX(401, "monit-syntax", Severity.ERROR, false,
            "The monit file is not valid monit syntax (as far as BOSH jobs use it); monit refuses it."),
    MONIT_PIDFILE(402, "monit-pidfile", Severity.ERROR, false,
            "A check that starts a process with bpm watches another file than the pid file bpm writes for it."),
    MONIT_BPM_COMMAND(403, "monit-bpm-command", Severity.ERROR, false,
            "A start or stop program runs bpm with the wrong command, no job, an unknown option or extra arguments."),
    MONIT_BPM_PATH(404, "monit-bpm-path", Severity.WARNING, false,
            "A start or stop program runs bpm by another path than /var/vcap/jobs/bpm/bin/bpm."),
    MONIT_JOB_MISMATCH(405, "monit-job-mismatch", Severity.ERROR, false,
            "A start or stop program names another job than the one the monit file belongs to."),
    MONIT_UNKNOWN_PROCESS(406, "monit-unknown-process", Severity.ERROR, false,
            "A start or stop program names a process the job's bpm.yml does not define; bpm refuses to start it."),
    MONIT_START_STOP_MISMATCH(407, "monit-start-stop-mismatch", Severity.ERROR, false,
            "The start and stop programs of a check do not address the same bpm process, or one of them is missing."),
    MONIT_UNMONITORED_PROCESS(408, "monit-unmonitored-process", Severity.INFO, false,
            "A process of bpm.yml has no monit check, so monit never starts it (right for an errand run with bpm run)."),
    MONIT_PROGRAM_SPACING(409, "monit-program-spacing", Severity.WARNING, false,
            "A program string has doubled, leading or trailing blanks; monit still splits it into the same words."),
    MONIT_MISPLACED_QUOTE(410, "monit-misplaced-quote", Severity.WARNING, false,
            "A program string's quote is out of place: glued to the keyword, or the string runs over several lines."),
    MONIT_DUPLICATE_CHECK(411, "monit-duplicate-check", Severity.ERROR, false,
            "Two checks have the same name; monit refuses the file."),
    // --- 6xx: a release directory's templates, rendered as the BOSH director renders them -------
    TEMPLATE_ERROR(601, "template-error", Severity.ERROR, false,
            "The template fails to render (a Ruby syntax error or an exception): the director cannot deploy the job."),
    PROPERTY_MISSING(602, "property-missing", Severity.WARNING, false,
            "The template needs a property that has no default and no value (the director's \"Can't find property\"); give it with --properties to check the rendered file."),
    LINK_MISSING(603, "link-missing", Severity.WARNING, false,
            "The template needs a link that was not given (the director's \"Can't find link\"); stub it under links: in --properties."),
    DIRECTOR_ONLY(604, "director-only", Severity.WARNING, false,
            "The template asks what only a BOSH director can answer (a link's DNS address); stub it in --properties."),
    PROPERTY_UNDECLARED(605, "property-undeclared", Severity.WARNING, false,
            "A property value given for the job is not declared in its spec; the director drops it, and so does bpm."),
    NO_BPM_TEMPLATE(606, "no-bpm-template", Severity.INFO, false,
            "The job renders no config/bpm.yml, so it is skipped (its monit file is still checked)."),
    TEMPLATE_LIMIT(607, "template-limit", Severity.ERROR, false,
            "The template ran too long, wrote too much or used too much memory; bpm stopped rendering it."),
    SPEC_INVALID(608, "spec-invalid", Severity.ERROR, false,
            "The job's spec file (or a --properties file) is not valid YAML of the expected shape.");

    private final int number;
    private final String name;
    private final Severity severity;
    private final boolean compatDowngrade;
    private final String summary;

    Rule(int number, String name, Severity severity, boolean compatDowngrade, String summary) {
        this.number = number;
        this.name = name;
        this.severity = severity;
        this.compatDowngrade = compatDowngrade;
        this.summary = summary;
    }

    /** The stable code, e.g. {@code BPM204}. */
    public String code() {
        return String.format("BPM%03d", number);
    }

    /** The stable kebab-case name, e.g. {@code volume-outside-root}. */
    public String ruleName() {
        return name;
    }

    public Severity severity() {
        return severity;
    }

    /** The severity actually reported, given whether {@code --compat} is on. */
    public Severity severity(boolean compat) {
        return compat && compatDowngrade ? Severity.WARNING : severity;
    }

    /** True for the rules about a job's monit file (the 4xx range) rather than its bpm.yml. */
    public boolean aboutMonit() {
        return number / 100 == 4;
    }

    public boolean compatDowngrade() {
        return compatDowngrade;
    }

    /**
     * Whether bpm 1.4 refuses a file with this error as soon as it loads it (bpm-behaviour.md
     * §3.1, §3.3): then {@code list} leaves the job out, and no process of the file starts. Other
     * errors concern one process and only stop that one from starting, as in bpm 1.4.
     */
    public boolean refusedOnLoad() {
        return switch (this) {
            case YAML_SYNTAX, DUPLICATE_KEY, NULL_ITEM, INPUT_REFUSED, WRONG_TYPE, SCHEMA, NAME_REQUIRED, EXECUTABLE_REQUIRED,
                 VOLUME_NOT_CANONICAL, VOLUME_OUTSIDE_ROOT, VOLUME_IS_DEFAULT, SHUTDOWN_SIGNAL -> true;
            default -> false;
        };
    }

    /** One sentence for rule listings (SARIF, man page). */
    public String summary() {
        return summary;
    }
}

package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.model.BpmConfig;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.executor.host.JobStatus;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.HostFacts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bpm list}: every process of every job on this host and its state (bpm-behaviour.md
 * §7.3): for each entry of {@code $ROOT/jobs} in name order, each process of its
 * {@code config/bpm.yml} in file order, with the pid of its init while it runs. The state comes
 * from what start recorded ({@link JobStatus}), where bpm 1.4 asks {@code runc list}.
 */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"List every process of every job in $BPM_BOSH_ROOT/jobs (default /var/vcap/jobs) with the pid of its "
                + "init and its status: running; failed (started, but its init has exited; \"failed (oom-killed)\" when the kernel's "
                + "OOM killer killed a process of it at its memory limit); stopped (configured, not started). "
                + "A job whose bpm.yml bpm 1.4 refuses to load is named on standard error and left out; the findings of a listed "
                + "job's bpm.yml (those bpm 1.4 accepts) are printed on standard error with their codes; a job without bpm.yml "
                + "is not listed."},
        footer = {"", "Exit status: 0 listed (also when some configs are invalid), 1 the BOSH root does not exist or the state could "
                + "not be read, 2 usage problem."})
final class ListCommand implements Callable<Integer>, OperatorCommand {

    @Option(names = "--json", description = "Print a JSON array: one object per process with name, job, process, pid (null "
            + "unless running), status and oomKills (processes of it the kernel's OOM killer killed).")
    boolean json;

    @picocli.CommandLine.Parameters(hidden = true, paramLabel = "IGNORED", description = "Ignored, as bpm 1.4 ignores them.")
    java.util.List<String> ignored = new java.util.ArrayList<>();

    /**
     * One configured process and its state.
     *
     * @param oomKills how many of its processes the kernel's OOM killer killed in its recorded
     *                 cgroup (0 when none, or nothing is recorded)
     */
    record Row(String job, String process, JobStatus status, long oomKills) {
        Row(String job, String process, JobStatus status) {
            this(job, process, status, status.state() == null ? 0 : Math.max(0, status.state().cgroup().oomKills()));
        }

        /** bpm's status word; a failed process the OOM killer ended says so. */
        String statusText() {
            return status.status().word() + (!status.running() && oomKills > 0 ? " (oom-killed)" : "");
        }

        /** bpm's display name: {@code JOB} for the process named like its job, else {@code JOB.PROC}. */
        String name() {
            return job.equals(process) ? job : job + "." + process;
        }
    }

    @Override
    public Integer call() {
        PrintStream err = System.err;
        if (!JobProcess.checkRoot(err, ERROR)) return 1;
        if (!ignored.isEmpty()) {
            err.println("bpm list: warning: ignoring the argument" + (ignored.size() == 1 ? " '" : "s '") + String.join(" ", ignored)
                    + "' (list takes none; bpm 1.4 ignores them too)");
        }
        try {
            Path root = Path.of(HostFacts.rootFrom(System.getenv()));
            if (!Files.isDirectory(root)) {   // a mistyped BPM_BOSH_ROOT must not look like a host without jobs
                err.println(ERROR + "failed to list jobs: the BOSH root " + root + " does not exist (is BPM_BOSH_ROOT right?)");
                return 1;
            }
            List<Row> rows = rows(root, err);
            System.out.print(json ? json(rows) : table(rows));
            System.out.flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println(ERROR + "failed to list jobs: " + Main.rootCause(e));
            return 1;
        }
    }

    /**
     * The rows of a root. Invalid configs are reported on {@code err}
     * ({@code invalid config for JOB: ...}); so is a process that runs but is configured no more
     * ({@code extra process running: ...}), which bpm 1.4 does not show either.
     */
    static List<Row> rows(Path root, PrintStream err) throws IOException {
        List<Row> rows = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String job : entries(root.resolve("jobs"))) {
            Path yml = root.resolve("jobs").resolve(job).resolve("config").resolve("bpm.yml");
            if (!Files.exists(yml)) continue;   // not a bpm job (or not a directory at all): bpm skips it silently
            List<String> processes;
            try {
                processes = processes(yml, job, err);
            } catch (InvalidConfig e) {
                err.println("invalid config for " + job + ": " + e.getMessage());
                continue;
            }
            for (String p : processes) {
                String id = ContainerId.encode(job, p);
                if (!ids.add(id)) continue;   // a.b/c and a/b.c share one id, as in bpm
                rows.add(new Row(job, p, JobStatus.read(store(root, id))));
            }
        }
        for (String id : entries(root.resolve("sys/run/bpm-state"))) {
            if (ids.contains(id) || !id.startsWith(ContainerId.PREFIX)) continue;
            if (JobStatus.read(store(root, id)).running()) {
                String name;
                try {
                    name = ContainerId.decode(id);
                } catch (IllegalArgumentException e) {
                    err.println("extra process running: " + e.getMessage());
                    continue;
                }
                err.println("extra process running: process (" + name + ") not defined");
            }
        }
        return rows;
    }

    private static StateStore store(Path root, String containerId) {
        return new StateStore(root.resolve("sys/run/bpm-state").resolve(containerId));
    }

    /** The entry names of a directory, sorted; none when it does not exist (as bpm's ReadDir). */
    private static List<String> entries(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) names.add(p.getFileName().toString());
        } catch (NoSuchFileException e) {
            return names;
        }
        names.sort(null);
        return names;
    }

    /** A bpm.yml that bpm start would refuse; the message names the first error and its position. */
    static final class InvalidConfig extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidConfig(String message) {
            super(message);
        }
    }

    /**
     * The process names of a job's bpm.yml, loaded as bpm 1.4's list loads it: only what bpm 1.4
     * refuses on load leaves the job out; every other finding (what bpm 1.4 accepts, and what only
     * fails a start) is printed on {@code err}, one line each with its code, and the job listed.
     */
    static List<String> processes(Path yml, String job, PrintStream err) throws InvalidConfig {
        SourceFile source;
        try {
            source = switch (SourceLoader.load(yml, yml.toString())) {
                case SourceLoader.Text t -> t.source();
                case SourceLoader.Refused r -> throw new InvalidConfig(describe(r.diagnostic()));
            };
        } catch (IOException e) {
            throw new InvalidConfig("cannot read " + yml + ": " + Main.rootCause(e));
        }
        Frontend.Result checked = Frontend.check(source, new Frontend.Options(job, true));
        List<Diagnostic> errors = checked.diagnostics().stream()
                .filter(d -> d.severity() == Severity.ERROR && d.rule().refusedOnLoad()).toList();
        if (!errors.isEmpty()) {
            throw new InvalidConfig(describe(errors.getFirst()) + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more; see bpm lint)" : ""));
        }
        checked.diagnostics().stream().filter(d -> d.severity() != Severity.INFO)
                .forEach(d -> err.println("bpm list: " + CompiledPlans.finding(d)));
        List<String> names = new ArrayList<>();
        for (Process p : checked.config().map(BpmConfig::processes).orElse(List.of())) names.add(p.name());
        return names;
    }

    private static String describe(Diagnostic d) {
        return d.file() + ":" + d.span().line() + ":" + d.span().column() + ": " + d.message();
    }

    static String table(List<Row> rows) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(List.of("Name", "Pid", "Status"));
        for (Row r : rows) {
            cells.add(List.of(r.name(), r.status().running() ? Long.toString(r.status().pid()) : "-", r.statusText()));
        }
        return Table.format(cells);
    }

    static String json(List<Row> rows) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = array.addObject();
            o.put("name", r.name());
            o.put("job", r.job());
            o.put("process", r.process());
            if (r.status().running()) o.put("pid", r.status().pid());
            else o.putNull("pid");
            o.put("status", r.status().status().word());
            o.put("oomKills", r.oomKills());
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.bpm.compiler.cli;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.Version;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.Lowering;
import io.bpm.compiler.plan.OciExport;
import io.bpm.compiler.plan.PlanJson;
import io.bpm.compiler.release.Engines;
import io.bpm.compiler.release.JobSpec;
import io.bpm.compiler.release.ReleaseLint;
import io.bpm.compiler.release.ValuesFile;
import io.bpm.compiler.report.TextReport;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.executor.host.Cgroups;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.InvalidPlanException;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Verifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpm compile}: check a bpm.yml, lower it to verified plans and print them. */
@Command(name = "compile", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Check a bpm.yml like 'bpm lint', then print the verified execution plan of each process "
                + "(or of --process): every directory, mount, limit, credential and the command line, in the order "
                + "the executor applies them, each line with the place in bpm.yml that caused it. See bpm-plan(5).",
                "",
                "Findings go to standard error; with an error no plan is printed.",
                "",
                "PATH may be a release directory (jobs/JOB/spec, as checked in) with --job JOB: the job's bpm.yml template is rendered "
                        + "as the BOSH director renders it (values from --properties, else the spec's defaults; see bpm lint --help) and its plans printed, "
                        + "so a release's CI can diff them between commits."},
        footer = {"", "Exit status: 0 plan printed, 1 errors in bpm.yml (or no such process), 2 usage or I/O problem."})
final class CompileCommand implements Callable<Integer> {

    enum Format { text, json, oci, seccomp }

    @Option(names = "--format", paramLabel = "FORMAT", description = "Output: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    @Option(names = "--job", paramLabel = "NAME", description = "The job (default: from a jobs/JOB/... path or a JOB.bpm.yml file name).")
    String job;

    @Option(names = "--process", paramLabel = "NAME", description = "Only this process (default: all, plans separated by an empty line).")
    String process;

    @Option(names = "--init", paramLabel = "PATH", description = "The init in the job's view (default: " + LowerOptions.DEFAULT_INIT + ").")
    String init = LowerOptions.DEFAULT_INIT;

    @Option(names = "--compat", description = "As for bpm lint: the new errors today's bpm would accept become warnings.")
    boolean compat;

    @Option(names = "--oci-user", paramLabel = "UID:GID", description = "For --format oci on a host without the vcap user: the ids to run as.")
    String ociUser;

    @Option(names = "--properties", paramLabel = "FILE", description = "For a release directory: the job's property values, spec values and link stubs (YAML; see bpm lint --help).")
    Path properties;

    @Parameters(paramLabel = "PATH", arity = "1", description = "The bpm.yml to compile, or a release directory (jobs/JOB/spec, with --job): the job's bpm.yml template is rendered first.")
    Path path;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        if (Files.isDirectory(path) && ReleaseLint.isRelease(path)) return compileRelease(out, err);
        if (properties != null) {
            err.println("bpm compile: --properties is for a release directory (jobs/JOB/spec ...), and " + path + " is not one");
            return 2;
        }
        SourceFile source;
        try {
            if (Files.isDirectory(path)) {
                err.println("bpm compile: " + path + ": is a directory; name the bpm.yml to compile");
                return 2;
            }
            switch (SourceLoader.load(path, path.toString())) {
                case SourceLoader.Text t -> source = t.source();
                case SourceLoader.Refused r -> {
                    new TextReport(false).print(List.of(r.diagnostic()), Map.of(), 1, err);
                    return 1;
                }
            }
        } catch (NoSuchFileException e) {
            err.println("bpm compile: " + path + ": no such file or directory");
            return 2;
        } catch (IOException e) {
            err.println("bpm compile: " + path + ": " + Main.rootCause(e));
            return 2;
        }
        String jobName = job != null ? job : JobName.of(path);
        if (jobName == null) {
            err.println("bpm compile: cannot tell the job of " + path + " from its path; pass --job NAME");
            return 2;
        }
        Frontend.Result checked = Frontend.check(source, new Frontend.Options(jobName, compat));
        List<Diagnostic> findings = checked.diagnostics();
        if (!findings.isEmpty()) new TextReport(false).print(findings, Map.of(source.displayName(), source), 1, err);
        if (checked.hasErrors()) return 1;
        return lowerAndPrint(checked, jobName, out, err);
    }

    /** A job of a release checkout: its bpm.yml template rendered (as bpm lint does), then compiled. */
    private Integer compileRelease(PrintStream out, PrintStream err) {
        ReleaseLint.Result result;
        try {
            java.util.List<String> jobs = ReleaseLint.jobs(path);
            if (job == null || !jobs.contains(job)) {
                err.println("bpm compile: " + path + " is a release directory: name the job with --job (" + (job == null ? "" : "no job '" + job + "'; ")
                        + "jobs: " + String.join(", ", jobs) + ")");
                return 2;
            }
            ValuesFile values = properties == null ? ValuesFile.EMPTY : ValuesFile.read(properties, new java.util.HashSet<>(jobs));
            result = ReleaseLint.lint(path, new ReleaseLint.Options(compat, job, values, properties == null ? null : properties.toString()));
        } catch (JobSpec.Invalid e) {
            err.println("bpm compile: --properties " + properties + (e.line() > 0 ? ":" + e.line() : "") + ": " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("bpm compile: " + path + ": " + Main.rootCause(e));
            return 2;
        } catch (Engines.Unavailable e) {
            err.println("bpm compile: " + e.getMessage());
            return 2;
        }
        if (!result.diagnostics().isEmpty()) new TextReport(false).print(result.diagnostics(), result.sources(), result.checked(), err);
        if (result.diagnostics().stream().anyMatch(d -> d.severity() == io.bpm.compiler.diag.Severity.ERROR)) return 1;
        ReleaseLint.Job rendered = result.jobs().getFirst();
        if (rendered.bpm().isEmpty()) {
            err.println("bpm compile: job '" + job + "' renders no bpm.yml (see the findings above), so there is no plan");
            return 1;
        }
        // the plan's places are in the rendered file, the job's config/bpm.yml, not in the template
        Frontend.Result bpm = rendered.bpm().get();
        SourceFile renderedFile = new SourceFile("jobs/" + job + "/config/bpm.yml", bpm.source().text(), bpm.source().bytes());
        return lowerAndPrint(new Frontend.Result(renderedFile, bpm.config(), bpm.locations(), bpm.diagnostics()), job, out, err);
    }

    private Integer lowerAndPrint(Frontend.Result checked, String jobName, PrintStream out, PrintStream err) {
        if (checked.config().map(c -> c.processes().isEmpty()).orElse(true)) {
            err.println("bpm compile: " + path + " defines no process, so there is no plan");
            return 1;
        }
        if (process != null && checked.config().orElseThrow().process(process).isEmpty()) {
            err.println("bpm compile: process \"" + process + "\" is not defined in " + path + " (defined: "
                    + String.join(", ", checked.config().orElseThrow().processes().stream().map(p -> p.name()).toList()) + ")");
            return 1;
        }
        LowerOptions options = new LowerOptions(jobName, Version.get(), init);
        List<Plan> plans;
        try {
            plans = process != null ? List.of(Lowering.lower(checked, process, options)) : Lowering.lowerAll(checked, options);
            for (Plan p : plans) Verifier.require(p);
        } catch (IllegalArgumentException | InvalidPlanException e) {
            err.println("bpm compile: " + path + ": cannot compile: " + e.getMessage());
            return 1;
        }
        switch (format) {
            case text -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < plans.size(); i++) b.append(i == 0 ? "" : "\n").append(PlanText.write(plans.get(i)));
                out.print(b);
            }
            case json -> out.print(plans.size() == 1 && process != null ? PlanJson.render(plans.getFirst()) : PlanJson.renderAll(plans));
            case seccomp -> {
                // The filter each plan's seccomp step names, as the executor loads it on this host's architecture.
                StringBuilder b = new StringBuilder();
                for (Plan p : plans) {
                    b.append(b.isEmpty() ? "" : "\n").append("# process ").append(p.header().process()).append('\n');
                    var step = p.steps(io.bpm.executor.plan.Step.Seccomp.class);
                    if (step.isEmpty()) {
                        b.append("# no seccomp filter: the process runs privileged\n");
                        continue;
                    }
                    var profile = io.bpm.executor.plan.SeccompProfile.byName(step.getFirst().profile(), step.getFirst().version()).orElseThrow();
                    b.append(io.bpm.executor.seccomp.BpfCompiler.listing(profile, io.bpm.executor.seccomp.Arch.host(),
                            io.bpm.executor.seccomp.BpfCompiler.Options.BPM)).append('\n');
                }
                out.print(b);
            }
            case oci -> {
                if (plans.size() != 1) {
                    err.println("bpm compile: --format oci renders one process; pass --process (defined: "
                            + String.join(", ", plans.stream().map(p -> p.header().process()).toList()) + ")");
                    return 2;
                }
                HostFacts facts;
                try {
                    facts = ociUser == null ? HostFacts.detect(Cgroups.detectSwapAccounting()) : withUser(ociUser);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    err.println("bpm compile: cannot bind the plan to this host: " + e.getMessage()
                            + (ociUser == null ? " (or pass --oci-user UID:GID)" : ""));
                    return 2;
                }
                out.print(OciExport.render(plans.getFirst(), facts, "rootfs"));
            }
        }
        out.flush();
        return 0;
    }

    private static HostFacts withUser(String spec) {
        String[] ids = spec.split(":", -1);
        if (ids.length != 2 || !ids[0].matches("[0-9]{1,10}") || !ids[1].matches("[0-9]{1,10}")) {
            throw new IllegalArgumentException("--oci-user must be UID:GID, e.g. 1000:1000, not '" + spec + "'");
        }
        HostFacts detected = HostFacts.of(HostFacts.rootFrom(System.getenv()), Integer.parseInt(ids[0]), Integer.parseInt(ids[1]));
        return detected.withSwapAccounting(Cgroups.detectSwapAccounting()).withSeccompSupported(HostFacts.detectSeccompSupported());
    }
}

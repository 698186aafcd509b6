package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.executor.host.Cgroups;
import io.bpm.executor.host.HostFeatures;
import io.bpm.executor.plan.HostFacts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bpm features}: what this host offers bpm ({@link HostFeatures}): the kernel, the cgroup
 * layout and its memory and pids controllers, swap accounting, seccomp, clone3, pidfd_open, the
 * vcap user, the init and the BOSH root. For an operator asking why a limit is not applied, and
 * for bug reports.
 */
@Command(name = "features", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Print what this host supports: kernel version, cgroup version (v1, hybrid, v2) and where the memory "
                + "and pids controllers are, swap accounting, seccomp filters, clone3, pidfd_open, the vcap user, the init "
                + "(tini) and the BOSH root; each with what follows when it is missing."},
        footer = {"", "Exit status: 0 (also when features are missing), 2 usage problem."})
final class FeaturesCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print a JSON object: for each feature, available (true or false) and detail.")
    boolean json;

    @Override
    public Integer call() {
        HostFacts facts;
        String vcapProblem = null;
        try {
            facts = HostFacts.detect(Cgroups.detectSwapAccounting());
        } catch (IllegalStateException e) {
            vcapProblem = e.getMessage();
            facts = HostFacts.of(HostFacts.rootFrom(System.getenv()), 0, 0);
        }
        String fromEnv = System.getenv(JobProcess.INIT_VARIABLE);
        String source = fromEnv != null && !fromEnv.isEmpty() ? "from " + JobProcess.INIT_VARIABLE : "the default";
        List<HostFeatures.Feature> features = HostFeatures.detect(facts, vcapProblem, CompiledPlans.init(null), source);
        System.out.print(json ? json(features) : table(features));
        System.out.flush();
        return 0;
    }

    static String table(List<HostFeatures.Feature> features) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Feature", "Available", "Detail"));
        for (HostFeatures.Feature f : features) rows.add(List.of(f.name(), f.available() ? "yes" : "no", f.detail()));
        return Table.format(rows);
    }

    static String json(List<HostFeatures.Feature> features) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        for (HostFeatures.Feature f : features) {
            ObjectNode one = o.putObject(f.name());
            one.put("available", f.available());
            one.put("detail", f.detail());
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.bpm.compiler.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Mask;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.ReadOnly;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.User;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Renders a plan as the OCI runtime-spec {@code config.json} bpm would hand to runc for the same
 * process (bpm-behaviour.md §4), with the plan's late-bound parts resolved through
 * {@link HostFacts}: {@code $ROOT} paths, the vcap uid/gid, {@code if-exists} mounts,
 * {@code mount-glob} expansion, {@code memory+swap ... if-supported} and seccomp support.
 *
 * <p>Used by {@code bpm compile --format oci} (to review or diff against a Go bpm's bundle) and
 * to run a plan under a stock runc. The output is deterministic: keys in the order of the Go
 * runtime-spec structs (as bpm writes them), lists in plan order, two-space indentation, a final
 * newline. Where bpm's own output order is unspecified (Go map and unstable-sort order among
 * equal-depth mounts), the plan's order is used.
 *
 * <p>Differences from bpm's file that do not change what runc does: {@code terminal} and
 * {@code noNewPrivileges} are always written (Go omits false values); {@code maskedPaths} and
 * {@code readonlyPaths} are written even when empty.
 */
public final class OciExport {

    /** The runtime-spec version bpm's vendored library declares. */
    public static final String OCI_VERSION = "1.3.0";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OciExport() {
    }

    /**
     * The config.json for a plan on a host, without a {@code cgroupsPath} (runc then places the
     * container itself).
     *
     * @param rootfsPath the bundle's (empty) root directory, written as {@code root.path}
     * @throws IllegalArgumentException if the plan cannot be rendered (no exec, a user other
     *                                  than vcap or root, an unknown seccomp profile or cgroup
     *                                  limit, a malformed glob pattern)
     */
    public static String render(Plan plan, HostFacts facts, String rootfsPath) {
        return render(plan, facts, rootfsPath, null);
    }

    /** As {@link #render(Plan, HostFacts, String)}, with {@code linux.cgroupsPath} when non-null. */
    public static String render(Plan plan, HostFacts facts, String rootfsPath, String cgroupsPath) {
        ObjectNode spec = spec(plan, facts, rootfsPath, cgroupsPath);
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("")
                        .withArrayEmptySeparator(""));
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        try {
            return MAPPER.writer(printer).writeValueAsString(spec) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    /** The spec as a JSON tree (keys in output order). */
    static ObjectNode spec(Plan plan, HostFacts facts, String rootfsPath, String cgroupsPath) {
        ObjectNode spec = JSON.objectNode();
        spec.put("ociVersion", OCI_VERSION);
        spec.set("process", process(plan, facts));
        spec.putObject("root").put("path", rootfsPath);
        spec.set("mounts", mounts(plan, facts));
        spec.set("linux", linux(plan, facts, cgroupsPath));
        return spec;
    }

    // ------------------------------------------------------------------------------ process

    private static ObjectNode process(Plan plan, HostFacts facts) {
        ObjectNode p = JSON.objectNode();
        p.put("terminal", false);

        List<User> users = plan.steps(User.class);
        if (users.size() != 1) {
            throw new IllegalArgumentException("the plan has " + users.size() + " user steps; exactly one is needed");
        }
        String name = users.getFirst().name();
        ObjectNode user = p.putObject("user");
        if (name.equals("root")) {
            user.put("uid", 0).put("gid", 0);
        } else if (name.equals(HostFacts.USER)) {
            user.put("uid", facts.uid()).put("gid", facts.gid()).put("username", name);
        } else {
            throw new IllegalArgumentException("user '" + name + "': a plan runs as " + HostFacts.USER + " or root");
        }

        List<Exec> execs = plan.steps(Exec.class);
        if (execs.size() != 1) {
            throw new IllegalArgumentException("the plan has " + execs.size() + " exec steps; exactly one is needed");
        }
        strings(p.putArray("args"), execs.getFirst().argv());
        ArrayNode env = p.putArray("env");
        for (Env e : plan.steps(Env.class)) {
            env.add(e.name() + "=" + e.value());
        }
        List<Cwd> cwd = plan.steps(Cwd.class);
        p.put("cwd", cwd.isEmpty() ? "/" : cwd.getLast().path());

        for (Capabilities c : plan.steps(Capabilities.class)) {
            ObjectNode caps = p.putObject("capabilities");
            strings(caps.putArray("bounding"), c.bounding());
            if (!c.effective().isEmpty()) {
                strings(caps.putArray("effective"), c.effective()); // bpm never sets it (§4.3)
            }
            strings(caps.putArray("inheritable"), c.inheritable());
            strings(caps.putArray("permitted"), c.permitted());
            strings(caps.putArray("ambient"), c.ambient());
        }

        List<Rlimit> rlimits = plan.steps(Rlimit.class);
        if (!rlimits.isEmpty()) {
            ArrayNode list = p.putArray("rlimits");
            for (Rlimit r : rlimits) {
                String type = r.resource().startsWith("RLIMIT_") ? r.resource() : "RLIMIT_" + r.resource();
                list.addObject().put("type", type).put("hard", unsigned(r.hard())).put("soft", unsigned(r.soft()));
            }
        }
        p.put("noNewPrivileges", !plan.steps(NoNewPrivs.class).isEmpty());
        return p;
    }

    // ------------------------------------------------------------------------------- mounts

    /** A mount as it will be written, with its target for de-duplication and placement. */
    private record OciMount(String destination, String type, String source, List<String> options) {
        ObjectNode json() {
            ObjectNode m = JSON.objectNode();
            m.put("destination", destination).put("type", type).put("source", source);
            if (!options.isEmpty()) {
                strings(m.putArray("options"), options);
            }
            return m;
        }
    }

    private static ArrayNode mounts(Plan plan, HostFacts facts) {
        List<OciMount> mounts = new ArrayList<>();
        Set<String> targets = new HashSet<>();
        for (Mount m : plan.steps(Mount.class)) {
            String source = facts.bind(m.source());
            if (m.ifExists() && !facts.exists(source)) {
                continue;
            }
            mounts.add(new OciMount(m.target(), m.type(), source, m.options()));
            targets.add(HostPath.clean(m.target()));
        }
        // The leading non-bind mounts (proc, /dev, ...) stay first whatever their depth.
        int defaultsEnd = 0;
        while (defaultsEnd < mounts.size() && !mounts.get(defaultsEnd).type().equals("bind")) {
            defaultsEnd++;
        }
        for (GlobMount g : plan.steps(GlobMount.class)) {
            for (OciMount match : expand(g, facts)) {
                if (!targets.add(HostPath.clean(match.destination()))) {
                    continue; // the first mount of a target wins (bpm's duplicate-mount)
                }
                int depth = depth(match.destination());
                int at = defaultsEnd;
                for (int i = defaultsEnd; i < mounts.size(); i++) {
                    if (depth(mounts.get(i).destination()) <= depth) {
                        at = i + 1;
                    }
                }
                mounts.add(at, match);
            }
        }
        ArrayNode out = JSON.arrayNode();
        mounts.forEach(m -> out.add(m.json()));
        return out;
    }

    /**
     * The bind mounts of one unrestricted volume: every existing match of the pattern, mounted at
     * the same path in the job's view ({@code $ROOT/...} patterns at the matching /var/vcap
     * path), minus matches at or under an excluded directory. A {@code $ROOT/...} exclude is
     * compared with the host path, any other with the job's view.
     */
    private static List<OciMount> expand(GlobMount g, HostFacts facts) {
        boolean rooted = g.pattern().equals(Step.ROOT) || g.pattern().startsWith(Step.ROOT + "/");
        List<String> matches;
        try {
            matches = facts.glob(facts.bind(g.pattern()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mount-glob " + g.pattern() + ": " + e.getMessage(), e);
        }
        List<OciMount> out = new ArrayList<>();
        next:
        for (String host : matches) {
            String target = rooted ? facts.jobView(host) : host;
            for (String ex : g.exclude()) {
                boolean hostSide = ex.equals(Step.ROOT) || ex.startsWith(Step.ROOT + "/");
                if (hostSide ? HostPath.isUnderOrEqual(host, facts.bind(ex)) : HostPath.isUnderOrEqual(target, ex)) {
                    continue next;
                }
            }
            out.add(new OciMount(target, "bind", host, g.options()));
        }
        return out;
    }

    private static int depth(String path) {
        return HostPath.components(path).size();
    }

    // -------------------------------------------------------------------------------- linux

    private static ObjectNode linux(Plan plan, HostFacts facts, String cgroupsPath) {
        ObjectNode linux = JSON.objectNode();
        linux.set("resources", resources(plan, facts));
        if (cgroupsPath != null) {
            linux.put("cgroupsPath", cgroupsPath);
        }
        ArrayNode namespaces = linux.putArray("namespaces");
        Set<NamespaceKind> kinds = new HashSet<>();
        plan.steps(Namespace.class).forEach(n -> kinds.add(n.kind()));
        // bpm's order: ipc, mount, uts, then pid (appended after the limits, §4.1)
        for (NamespaceKind k : List.of(NamespaceKind.IPC, NamespaceKind.MNT, NamespaceKind.UTS, NamespaceKind.PID)) {
            if (kinds.contains(k)) {
                namespaces.addObject().put("type", switch (k) {
                    case IPC -> "ipc";
                    case MNT -> "mount";
                    case UTS -> "uts";
                    case PID -> "pid";
                });
            }
        }
        List<Seccomp> seccomp = plan.steps(Seccomp.class);
        if (!seccomp.isEmpty() && facts.seccompSupported()) {
            linux.set("seccomp", seccomp(seccomp.getLast()));
        }
        linux.put("rootfsPropagation", "private");
        ArrayNode masked = linux.putArray("maskedPaths");
        plan.steps(Mask.class).forEach(m -> masked.add(m.path()));
        ArrayNode readonly = linux.putArray("readonlyPaths");
        plan.steps(ReadOnly.class).forEach(r -> readonly.add(r.path()));
        return linux;
    }

    private static ObjectNode resources(Plan plan, HostFacts facts) {
        ObjectNode resources = JSON.objectNode();
        Long memory = null;
        Long swap = null;
        Long pids = null;
        for (CgroupLimit c : plan.steps(CgroupLimit.class)) {
            switch (c.limit()) {
                case "memory" -> memory = c.value();
                case "memory+swap" -> {
                    if (!c.ifSupported() || facts.swapAccounting()) {
                        swap = c.value();
                    }
                }
                case "pids" -> pids = c.value();
                default -> throw new IllegalArgumentException("unknown cgroup limit '" + c.limit() + "' (memory, memory+swap or pids)");
            }
        }
        if (memory != null || swap != null) {
            ObjectNode m = resources.putObject("memory");
            if (memory != null) {
                m.put("limit", memory);
            }
            if (swap != null) {
                m.put("swap", swap);
            }
        }
        if (pids != null) {
            resources.putObject("pids").put("limit", pids);
        }
        return resources;
    }

    /** The profile in OCI form: one syscall entry per rule, in the profile's order (§4.8). */
    private static ObjectNode seccomp(Seccomp step) {
        SeccompProfile profile = SeccompProfile.byName(step.profile(), step.version())
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown seccomp profile '" + step.profile() + "' version " + step.version()));
        ObjectNode s = JSON.objectNode();
        s.put("defaultAction", "SCMP_ACT_ERRNO");
        if (profile.defaultErrno() != SeccompProfile.EPERM) {
            s.put("defaultErrnoRet", profile.defaultErrno()); // runc's ERRNO default is EPERM; bpm omits it
        }
        strings(s.putArray("architectures"), profile.architectures());
        ArrayNode syscalls = s.putArray("syscalls");
        for (SeccompProfile.Rule rule : profile.rules()) {
            ObjectNode entry = syscalls.addObject();
            entry.putArray("names").add(rule.name());
            switch (rule) {
                case SeccompProfile.Allow a -> entry.put("action", "SCMP_ACT_ALLOW");
                case SeccompProfile.AllowIfEq a -> {
                    entry.put("action", "SCMP_ACT_ALLOW");
                    entry.putArray("args").addObject()
                            .put("index", a.arg()).put("value", unsigned(a.value())).put("op", "SCMP_CMP_EQ");
                }
                case SeccompProfile.AllowIfMaskedEq a -> {
                    entry.put("action", "SCMP_ACT_ALLOW");
                    // OCI: (arg & value) == valueTwo; Go omits a zero valueTwo
                    ObjectNode arg = entry.putArray("args").addObject().put("index", a.arg()).put("value", unsigned(a.mask()));
                    if (a.value() != 0) {
                        arg.put("valueTwo", unsigned(a.value()));
                    }
                    arg.put("op", "SCMP_CMP_MASKED_EQ");
                }
                case SeccompProfile.Errno e -> entry.put("action", "SCMP_ACT_ERRNO").put("errnoRet", e.errno());
            }
        }
        return s;
    }

    // ------------------------------------------------------------------------------ helpers

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /** A Java long holding an unsigned 64-bit value, as a JSON number. */
    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }
}

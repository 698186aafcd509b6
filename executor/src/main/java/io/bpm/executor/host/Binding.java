package io.bpm.executor.host;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Hook;
import io.bpm.executor.plan.Step.LockFile;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.PidFile;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Binds a verified plan to this host (ARCHITECTURE.md: "host facts are explicit late-binding
 * steps"): the plan says what is to be done in host-independent terms, the {@link HostFacts}
 * say what this host is, and the result, a {@link BoundPlan}, is what will really be done.
 * Pure apart from what the facts look up (existence of optional mount sources, glob matches).
 *
 * <p>Unrestricted volumes ({@code mount-glob}) follow bpm (§4.5 F): each match of the pattern
 * becomes a bind mount at the same path with the line's options, except matches at or under an
 * excluded directory (bpm's own mounts for this job) and matches whose target is already the
 * target of a kept mount (the first mount of a target wins, like bpm's duplicate-mount, and
 * including the default mounts, so a glob cannot replace /proc). Where bpm leaves the order of
 * equal-depth mounts to a hash map, matches go by depth, then target path, the order the compiler
 * gives the other bind mounts. Excludes are job-view paths compared with the match (which is
 * also its target), as bpm compares BOSH-mount destinations; a {@code $ROOT/...} exclude is
 * compared with the host path instead.
 *
 * <p>Written for a fresh JVM on the start path: loops and instanceof, no streams or lambdas.
 */
public final class Binding {

    private Binding() {
    }

    /**
     * @throws IllegalArgumentException if the plan cannot be bound here: a user other than vcap and
     *                                  root, a malformed glob, an unconditional limit the host cannot
     *                                  apply. The message starts with the step's provenance.
     */
    public static BoundPlan bind(Plan plan, HostFacts facts) {
        int uid = -1;
        int gid = -1;
        List<Step> out = new ArrayList<>(plan.steps().size());
        List<Mount> mounts = new ArrayList<>();
        List<GlobMount> globs = new ArrayList<>();
        int mountsAt = -1;
        for (Step s : plan.steps()) {
            if (s instanceof Mount || s instanceof GlobMount) {
                if (mountsAt < 0) {
                    mountsAt = out.size();
                }
                if (s instanceof Mount m) {
                    Mount bound = mount(m, facts);
                    if (bound != null) {
                        mounts.add(bound);
                    }
                } else {
                    globs.add((GlobMount) s);
                }
                continue;
            }
            if (s instanceof User u) {
                if (u.name().equals(HostFacts.USER)) {
                    uid = facts.uid();
                    gid = facts.gid();
                } else if (u.name().equals("root")) {
                    uid = 0;
                    gid = 0;
                } else {
                    throw new IllegalArgumentException(where(s) + "user " + u.name() + " cannot be bound: a plan runs as vcap or root");
                }
            }
            Step bound = step(s, facts);
            if (bound != null) {
                out.add(bound);
            }
        }
        if (uid < 0) {
            throw new IllegalArgumentException("the plan has no user step");
        }
        if (mountsAt >= 0) {
            for (GlobMount g : globs) {
                expand(g, facts, mounts);
            }
            out.addAll(mountsAt, mounts);
        }
        return new BoundPlan(new Plan(plan.header(), out), facts, uid, gid);
    }

    /** A step other than a mount, bound; null when it does not apply on this host. */
    private static Step step(Step s, HostFacts f) {
        if (s instanceof LockFile x) {
            return new LockFile(f.bind(x.path()), x.from());
        } else if (s instanceof PidFile x) {
            return new PidFile(f.bind(x.path()), x.from());
        } else if (s instanceof StateDir x) {
            return new StateDir(f.bind(x.path()), x.from());
        } else if (s instanceof Log x) {
            return new Log(x.stream(), f.bind(x.path()), x.from());
        } else if (s instanceof MakeDir x) {
            return new MakeDir(f.bind(x.path()), x.mode(), x.owner(), x.from());
        } else if (s instanceof VolumeDir x) {
            return new VolumeDir(f.bind(x.path()), x.mode(), x.owner(), x.from());
        } else if (s instanceof ShareVolume x) {
            return new ShareVolume(f.bind(x.path()), f.bind(x.lock()), x.from());
        } else if (s instanceof RequireDir x) {
            return new RequireDir(f.bind(x.path()), x.reason(), x.from());
        } else if (s instanceof OpenLog x) {
            return new OpenLog(f.bind(x.path()), x.mode(), x.owner(), x.from());
        } else if (s instanceof Hook x) {
            return new Hook(f.bind(x.program()), x.from());
        } else if (s instanceof CgroupLimit x) {
            return cgroup(x, f);
        } else if (s instanceof Seccomp) {
            return f.seccompSupported() ? s : null;
        }
        return s;
    }

    private static Mount mount(Mount m, HostFacts f) {
        String source = f.bind(m.source());
        if (m.ifExists() && !f.exists(source)) {
            return null;
        }
        if (!m.ifExists() && source.equals(m.source())) {
            return m;
        }
        return new Mount(m.type(), source, m.target(), m.options(), false, m.from());
    }

    /** memory+swap needs swap accounting; memory and pids every supported host has. */
    private static CgroupLimit cgroup(CgroupLimit c, HostFacts f) {
        boolean supported = !c.limit().equals("memory+swap") || f.swapAccounting();
        if (!supported) {
            if (c.ifSupported()) {
                return null;
            }
            throw new IllegalArgumentException(where(c) + "cgroup memory+swap " + Long.toUnsignedString(c.value())
                    + ": this host does not account swap (no memory.memsw.limit_in_bytes or memory.swap.max)");
        }
        return c.ifSupported() ? new CgroupLimit(c.limit(), c.value(), false, c.from()) : c;
    }

    /** Adds the matches of one glob to the mounts, each at its place by depth, then path. */
    private static void expand(GlobMount g, HostFacts f, List<Mount> mounts) {
        boolean rooted = isRooted(g.pattern());
        List<String> matches;
        try {
            matches = f.glob(f.bind(g.pattern()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where(g) + "mount-glob " + g.pattern() + ": " + e.getMessage(), e);
        }
        Set<String> targets = new HashSet<>();
        for (Mount m : mounts) {
            targets.add(m.target());
        }
        for (String match : matches) {
            String host = HostPath.clean(match);
            String target = rooted ? f.jobView(host) : host;
            if (excluded(g, f, host, target) || !targets.add(target)) {
                continue;
            }
            mounts.add(insertionPoint(mounts, target), new Mount("bind", host, target, g.options(), false, g.from()));
        }
    }

    private static boolean excluded(GlobMount g, HostFacts f, String host, String target) {
        for (String ex : g.exclude()) {
            if (isRooted(ex) ? HostPath.isUnderOrEqual(host, f.bind(ex)) : HostPath.isUnderOrEqual(target, ex)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Before the first bind mount that sorts after the target (by depth, then path); never among
     * the leading default mounts (proc, /dev, ...), which stay first whatever their depth.
     */
    private static int insertionPoint(List<Mount> mounts, String target) {
        int depth = depth(target);
        int i = 0;
        while (i < mounts.size() && !mounts.get(i).type().equals("bind")) {
            i++;
        }
        for (; i < mounts.size(); i++) {
            String t = mounts.get(i).target();
            int d = depth(t);
            if (d > depth || d == depth && t.compareTo(target) > 0) {
                return i;
            }
        }
        return mounts.size();
    }

    private static int depth(String path) {
        return HostPath.components(path).size();
    }

    private static boolean isRooted(String path) {
        return path.equals(Step.ROOT) || path.startsWith(Step.ROOT + "/");
    }

    private static String where(Step s) {
        return s.from().text() + ": ";
    }
}

package io.bpm.executor.host;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.ContainerId;
import io.bpm.executor.plan.Step.LockFile;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.PidFile;
import io.bpm.executor.plan.Step.StateDir;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan bound to this host by {@link Binding}: what the executor will really do. Its steps are
 * the plan's with every late-bound part resolved:
 * <ul>
 *   <li>host paths are absolute ({@code $ROOT} replaced by the BOSH root);</li>
 *   <li>{@code mount ... if-exists} lines are gone when their source is missing, and the kept ones
 *       are unconditional;</li>
 *   <li>{@code mount-glob} lines are replaced by one bind mount per match, placed among the bind
 *       mounts by target depth, then target path;</li>
 *   <li>{@code cgroup ... if-supported} lines are gone when the host cannot apply them, the kept
 *       ones are unconditional; {@code seccomp} is gone where bpm drops it (§4.8);</li>
 *   <li>the {@code user} line stays, and its ids are {@link #uid()}/{@link #gid()}.</li>
 * </ul>
 * A bound plan is not re-verified (its paths are host paths, which a plan may not contain); it
 * can be printed with {@link #text()} for an operator.
 *
 * @param plan  the bound steps, with the original header
 * @param facts the host facts it was bound with
 * @param uid   the uid the process runs as (vcap's, or 0 for {@code user root})
 * @param gid   the gid the process runs as
 */
public record BoundPlan(Plan plan, HostFacts facts, int uid, int gid) {

    public String containerId() {
        return plan.one(ContainerId.class).id();
    }

    /** The lifecycle lock file (host path). */
    public String lockFile() {
        return plan.one(LockFile.class).path();
    }

    /** The public pid file (host path). */
    public String pidFile() {
        return plan.one(PidFile.class).path();
    }

    /** The directory where start keeps the plan and state for stop (host path). */
    public String stateDir() {
        return plan.one(StateDir.class).path();
    }

    /** The host path of a log file. */
    public String log(LogStream stream) {
        for (Log l : plan.steps(Log.class)) {
            if (l.stream() == stream) {
                return l.path();
            }
        }
        throw new IllegalStateException("the plan has no " + stream + " log");
    }

    /** The uid that owns what host preparation makes for an owner: vcap's even when privileged (see {@link Owner}). */
    public int ownerUid(Owner owner) {
        return owner == Owner.ROOT ? 0 : facts.uid();
    }

    public int ownerGid(Owner owner) {
        return owner == Owner.ROOT ? 0 : facts.gid();
    }

    /** Every mount of the job's view, in the order they are made. */
    public List<Mount> mounts() {
        return plan.steps(Mount.class);
    }

    /** The cgroup limits to write (all unconditional now). */
    public List<CgroupLimit> cgroupLimits() {
        return plan.steps(CgroupLimit.class);
    }

    /** The steps in order. */
    public List<Step> steps() {
        return plan.steps();
    }

    /** The bound plan in the plan text format, with a last comment line naming the facts used. */
    public String text() {
        List<String> notes = new ArrayList<>();
        notes.add("root=" + PlanText.quote(facts.root()));
        notes.add("uid=" + uid);
        notes.add("gid=" + gid);
        notes.add("vcap=" + facts.uid() + ":" + facts.gid());
        notes.add("swap-accounting=" + (facts.swapAccounting() ? "yes" : "no"));
        notes.add("seccomp=" + (facts.seccompSupported() ? "yes" : "no"));
        return PlanText.write(plan) + "# bound on this host: " + String.join(" ", notes) + "\n";
    }
}

package io.bpm.executor.launch;

import io.bpm.executor.host.Binding;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.VerifiedPlan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LaunchPlan#prepare}: what a start makes before its lock (EarlyPlan) is what the launch
 * would make itself, and the launch takes it only for the very plan, facts and seccomp compiler
 * it was made from; a plan that cannot be prepared fails as the launch would.
 */
class PreparedTest {

    static final HostFacts FACTS = HostFacts.of("/var/vcap", 1000, 1000).withExists(p -> false);

    /** A seccomp compiler that says which step it compiled. */
    static final SeccompFilter NUMBERED = step -> new long[] {step.version(), 42};

    @Test
    void theBoundPlanAndProgramAreTheLaunchsOwn() throws Exception {
        VerifiedPlan plan = VerifiedPlan.of(Plans.valid());
        LaunchPlan.Prepared p = LaunchPlan.prepare(plan, FACTS, NUMBERED);
        assertEquals(describe(Binding.bind(plan.plan(), FACTS).steps()), describe(p.bound().steps()));
        assertArrayEquals(new long[] {1, 42}, p.program());
    }

    @Test
    void itIsTakenOnlyForTheSamePlanFactsAndCompiler() throws Exception {
        VerifiedPlan plan = VerifiedPlan.of(Plans.valid());
        LaunchPlan.Prepared p = LaunchPlan.prepare(plan, FACTS, NUMBERED);
        assertTrue(p.isFor(plan, FACTS, NUMBERED));
        assertFalse(p.isFor(VerifiedPlan.of(Plans.valid()), FACTS, NUMBERED), "an equal plan, but another object");
        assertFalse(p.isFor(plan, HostFacts.of("/var/vcap", 1000, 1000).withExists(x -> false), NUMBERED));
        assertFalse(p.isFor(plan, FACTS, step -> new long[0]));
    }

    @Test
    void withoutASeccompCompilerThereIsNoProgram() throws Exception {
        assertNull(LaunchPlan.prepare(VerifiedPlan.of(Plans.valid()), FACTS, null).program());
    }

    @Test
    void anUnknownProfileFailsAsTheLaunchWould() throws Exception {
        SeccompFilter refusing = step -> {
            throw new IllegalArgumentException("unknown seccomp profile " + step.profile());
        };
        LaunchFailure f = assertThrows(LaunchFailure.class, () -> LaunchPlan.prepare(VerifiedPlan.of(Plans.valid()), FACTS, refusing));
        assertTrue(f.getMessage().contains("unknown seccomp profile"), f.getMessage());
    }

    private static List<String> describe(List<Step> steps) {
        List<String> out = new ArrayList<>();
        for (Step s : steps) out.add(s.toString());
        return out;
    }
}

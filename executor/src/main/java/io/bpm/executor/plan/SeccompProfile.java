package io.bpm.executor.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A seccomp profile as data: what a plan's {@code seccomp NAME VERSION} line stands for. The
 * executor compiles it to a BPF program; the OCI export writes it as {@code linux.seccomp}.
 *
 * <p>There is one profile, {@code bpm-default} version 1: bpm's own (bpm-behaviour.md §4.8,
 * taken by bpm from Garden). Default action ERRNO(EPERM); architectures x86-64, x86 and x32;
 * 311 system calls allowed unconditionally, {@code clone} allowed unless it asks for a new
 * namespace, {@code personality} allowed for three values only, and {@code clone3} answered
 * with ENOSYS so that libc falls back to {@code clone}, where the flags can be inspected. That
 * is 316 rules: 315 allow rules covering 313 names, and one errno rule.
 *
 * <p>The rules are kept in bpm's order (by name; the three {@code personality} rules in the
 * order bpm lists them), so an exported profile lists them as bpm's config.json does. A
 * profile is never changed in place: a different rule set gets a new version, so a cached plan
 * naming {@code bpm-default 1} always means exactly this list.
 *
 * @param name          the profile name used in plans
 * @param version       the profile version used in plans
 * @param defaultErrno  the errno returned for every system call no rule matches
 * @param architectures the libseccomp architecture names the filter covers, native first
 * @param rules         the rules, in order; at most one rule decides a call (names are
 *                      unique across actions, conditions on one name are alternatives)
 */
public record SeccompProfile(String name, int version, int defaultErrno, List<String> architectures,
                             List<Rule> rules) {

    /** Operation not permitted: the default action's errno. */
    public static final int EPERM = 1;
    /** Function not implemented: what {@code clone3} gets, so libc falls back to clone. */
    public static final int ENOSYS = 38;

    /** The name of bpm's profile. */
    public static final String BPM_DEFAULT = "bpm-default";

    /**
     * CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
     * (0x7C020000 = 2080505856): {@code clone} is allowed only with none of these set.
     * CLONE_NEWCGROUP (0x02000000) is not in bpm's mask.
     */
    public static final long CLONE_NAMESPACE_FLAGS = 0x7C020000L;

    /** PER_LINUX, the personality query value 0xFFFFFFFF and PER_LINUX32, in bpm's order. */
    public static final List<Long> PERSONALITY_VALUES = List.of(0x0L, 0xFFFFFFFFL, 0x8L);

    public SeccompProfile {
        Objects.requireNonNull(name);
        architectures = List.copyOf(architectures);
        rules = List.copyOf(rules);
    }

    /** One rule of a profile: the system call it is about and what happens to it. */
    public sealed interface Rule {
        /** The system call name, as libseccomp spells it. */
        String name();
    }

    /** Allow the call whatever its arguments. */
    public record Allow(String name) implements Rule {
    }

    /** Allow the call when {@code (args[arg] & mask) == value} (SCMP_CMP_MASKED_EQ). */
    public record AllowIfMaskedEq(String name, int arg, long mask, long value) implements Rule {
    }

    /** Allow the call when {@code args[arg] == value} (SCMP_CMP_EQ). */
    public record AllowIfEq(String name, int arg, long value) implements Rule {
    }

    /** Fail the call with this errno. */
    public record Errno(String name, int errno) implements Rule {
    }

    /**
     * The system calls bpm allows without conditions, copied from bpm-behaviour.md §4.8, in
     * alphabetical (C locale) order. (§4.8 announces 312 but lists 311 names, which is also what
     * its rule totals add up to: 311 + clone + 3 personality = 315 allow rules.)
     */
    private static final List<String> UNCONDITIONAL = List.of(
            "_llseek", "_newselect", "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk",
            "capget", "capset", "chdir", "chmod", "chown", "chown32", "chroot", "clock_getres",
            "clock_gettime", "clock_nanosleep", "close", "connect", "copy_file_range", "creat", "dup",
            "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
            "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit",
            "exit_group", "faccessat", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
            "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
            "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64",
            "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futimesat",
            "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
            "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
            "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
            "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
            "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32",
            "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
            "io_cancel", "io_destroy", "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get",
            "ioprio_set", "ipc", "kill", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
            "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
            "memfd_create", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall",
            "mmap", "mmap2", "modify_ldt", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
            "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd",
            "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "open", "openat",
            "openat2", "pause", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2",
            "prlimit64", "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
            "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages",
            "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rt_sigaction",
            "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
            "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
            "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
            "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
            "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
            "semtimedop", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
            "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid",
            "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
            "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
            "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr",
            "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
            "sigreturn", "socket", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
            "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
            "syslog", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
            "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime",
            "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
            "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
            "writev"
    );

    private static final SeccompProfile BPM_DEFAULT_V1 = new SeccompProfile(BPM_DEFAULT, 1, EPERM,
            List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), bpmRules());

    private static List<Rule> bpmRules() {
        List<Rule> rules = new ArrayList<>();
        for (String name : UNCONDITIONAL) {
            rules.add(new Allow(name));
        }
        rules.add(new AllowIfMaskedEq("clone", 0, CLONE_NAMESPACE_FLAGS, 0));
        rules.add(new Errno("clone3", ENOSYS));
        for (long value : PERSONALITY_VALUES) {
            rules.add(new AllowIfEq("personality", 0, value));
        }
        // bpm lists its rules by name; the sort is stable, so the personality rules keep their order.
        // (A class, not a lambda: this runs on bpm start's fast path, where a lambda costs a bootstrap.)
        rules.sort(new Comparator<Rule>() {
            @Override
            public int compare(Rule a, Rule b) {
                return a.name().compareTo(b.name());
            }
        });
        return rules;
    }

    /** bpm's profile, {@code bpm-default} version 1. */
    public static SeccompProfile bpmDefault() {
        return BPM_DEFAULT_V1;
    }

    /** The profile a plan names, if this executor knows it in exactly that version. */
    public static Optional<SeccompProfile> byName(String name, int version) {
        if (BPM_DEFAULT.equals(name) && version == BPM_DEFAULT_V1.version()) {
            return Optional.of(BPM_DEFAULT_V1);
        }
        return Optional.empty();
    }

    /** The names of the unconditional {@link Allow} rules, in rule order. */
    public List<String> unconditionalNames() {
        return rules.stream().filter(r -> r instanceof Allow).map(Rule::name).toList();
    }

    /** Every name some allow rule covers (with or without a condition), in rule order. */
    public Set<String> allowedNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Rule r : rules) {
            if (!(r instanceof Errno)) {
                names.add(r.name());
            }
        }
        return names;
    }

    /** Whether any rule names this system call (a call no rule names gets the default errno). */
    public boolean mentions(String syscall) {
        return rules.stream().anyMatch(r -> r.name().equals(syscall));
    }
}

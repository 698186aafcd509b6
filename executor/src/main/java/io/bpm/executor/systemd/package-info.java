/**
 * A minimal D-Bus client, just as far as bpm needs to run a job in a transient systemd scope
 * (bpm 1.4 with {@code runc --systemd-cgroup}), with no third-party library.
 *
 * <ul>
 *   <li>{@link io.bpm.executor.systemd.Systemd}: the manager calls (StartTransientUnit and
 *       StopUnit, each waiting for its JobRemoved signal; ResetFailedUnit; GetUnit and
 *       Properties.Get), and {@link io.bpm.executor.systemd.DBusError} for error replies.</li>
 *   <li>{@code BusConnection}: SASL EXTERNAL, Hello, serials, replies and the signals that
 *       arrive before them; a broken stream makes it unusable.</li>
 *   <li>{@code UnixSocket}: AF_UNIX over bpm's one syscall handle (socket, connect, sendto,
 *       recvfrom, poll for deadlines); {@code BusAddress}: {@code unix:path=} and
 *       {@code unix:abstract=}.</li>
 *   <li>The wire format: {@code Message} (header fields, either byte order in),
 *       {@code WireWriter}, {@code WireReader} (every length bounded, a malformed message is a
 *       {@code WireException}), {@code Signatures}, {@code ObjectPaths},
 *       {@link io.bpm.executor.systemd.Variant}.</li>
 * </ul>
 *
 * <p>Tested against a real dbus-daemon ({@code BusConnectionTest}), hand-derived byte vectors
 * and corrupted messages ({@code WireFormatTest}), and systemd 252 as PID 1 on cgroup v2 in the
 * test VM ({@code executor/src/test/vm/systemd-probe}).
 */
package io.bpm.executor.systemd;

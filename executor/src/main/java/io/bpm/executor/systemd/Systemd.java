package io.bpm.executor.systemd;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The few calls of systemd's manager (org.freedesktop.systemd1) that bpm needs to run a job in a
 * transient scope: start one and wait for its job, stop it, reset a failed one, and read its state.
 * One connection to the system bus; not thread-safe.
 *
 * <p>Job results arrive as {@code JobRemoved} signals. The connection subscribes (Manager.Subscribe,
 * without which systemd emits no job signals) and adds a match for them before its first start or
 * stop call; signals that arrive before the call's reply are kept by {@link BusConnection}, so a
 * job that ends at once is not missed.
 */
public final class Systemd implements AutoCloseable {
    static final String SERVICE = "org.freedesktop.systemd1";
    static final String PATH = "/org/freedesktop/systemd1";
    static final String MANAGER = "org.freedesktop.systemd1.Manager";
    static final String UNIT = "org.freedesktop.systemd1.Unit";
    static final String PROPERTIES = "org.freedesktop.DBus.Properties";
    static final String NO_SUCH_UNIT = "org.freedesktop.systemd1.NoSuchUnit";
    static final String JOB_REMOVED_MATCH = "type='signal',sender='org.freedesktop.systemd1',"
            + "interface='org.freedesktop.systemd1.Manager',member='JobRemoved',path='/org/freedesktop/systemd1'";

    /** How long connect and the calls that take no timeout may wait for the bus. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(25);

    private final BusConnection bus;
    private boolean subscribed;

    private Systemd(BusConnection bus) {
        this.bus = bus;
    }

    /** The system bus: $DBUS_SYSTEM_BUS_ADDRESS if set, else unix:path=/run/dbus/system_bus_socket. */
    public static Systemd connect() throws IOException {
        String env = System.getenv("DBUS_SYSTEM_BUS_ADDRESS");
        return connect(env == null || env.isBlank() ? BusAddress.SYSTEM_BUS_DEFAULT : env);
    }

    /** A given address, e.g. "unix:path=/run/dbus/system_bus_socket" (tests). */
    public static Systemd connect(String address) throws IOException {
        return new Systemd(BusConnection.open(address, CALL_TIMEOUT));
    }

    /** One property of a transient unit: its name, its D-Bus signature and value (String, Boolean, Long for t, int[] for au). */
    public record Property(String name, String signature, Object value) {
        public Property {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(signature, "signature");
            new WireWriter().write(signature, value);        // a value that does not fit: IllegalArgumentException now
        }

        public static Property string(String name, String value) {
            return new Property(name, "s", value);
        }

        public static Property bool(String name, boolean value) {
            return new Property(name, "b", value);
        }

        public static Property uint64(String name, long value) {
            return new Property(name, "t", value);
        }

        public static Property uint32Array(String name, int... values) {
            return new Property(name, "au", values.clone());
        }

        List<Object> wire() {
            return List.of(name, new Variant(signature, value));
        }
    }

    /** The loaded unit's state. */
    public record UnitState(String activeState, String subState, String result, String controlGroup) { }

    /**
     * Manager.StartTransientUnit(name, mode, properties, no aux units), then waits for the
     * JobRemoved signal of the returned job: returns its result ("done", "failed", "canceled",
     * "timeout", "dependency", "skipped"). Throws DBusError for an error reply (e.g.
     * org.freedesktop.systemd1.UnitExists), IOException with a clear message on timeout.
     */
    public String startTransientUnit(String name, String mode, List<Property> properties, Duration timeout)
            throws IOException {
        long deadline = deadline(timeout);
        subscribe(deadline);
        List<Object> props = new ArrayList<>();
        for (Property p : properties) props.add(p.wire());
        Message reply = bus.call(Message.methodCall(SERVICE, PATH, MANAGER, "StartTransientUnit",
                "ssa(sv)a(sa(sv))", name, mode, props, List.of()), deadline);
        return awaitJob("StartTransientUnit", name, reply, deadline, timeout);
    }

    /** Manager.StopUnit(name, mode) and waits for its JobRemoved; empty when the unit is not loaded (org.freedesktop.systemd1.NoSuchUnit). */
    public Optional<String> stopUnit(String name, String mode, Duration timeout) throws IOException {
        long deadline = deadline(timeout);
        subscribe(deadline);
        Message reply;
        try {
            reply = bus.call(Message.methodCall(SERVICE, PATH, MANAGER, "StopUnit", "ss", name, mode), deadline);
        } catch (DBusError e) {
            if (e.name().equals(NO_SUCH_UNIT)) return Optional.empty();
            throw e;
        }
        return Optional.of(awaitJob("StopUnit", name, reply, deadline, timeout));
    }

    /** Manager.ResetFailedUnit(name); a unit that is not loaded is not an error. */
    public void resetFailedUnit(String name) throws IOException {
        try {
            bus.call(Message.methodCall(SERVICE, PATH, MANAGER, "ResetFailedUnit", "s", name), deadline(CALL_TIMEOUT));
        } catch (DBusError e) {
            if (!e.name().equals(NO_SUCH_UNIT)) throw e;
        }
    }

    /**
     * GetUnit(name), then ActiveState and SubState (org.freedesktop.systemd1.Unit), Result and
     * ControlGroup from the unit type's interface (e.g. org.freedesktop.systemd1.Scope for a
     * .scope); a type without one of those gives "". Empty when the unit is not loaded.
     */
    public Optional<UnitState> unit(String name) throws IOException {
        long deadline = deadline(CALL_TIMEOUT);
        Optional<String> path = unitPath(name, deadline);
        if (path.isEmpty()) return Optional.empty();
        String typeIface = typeInterface(name);
        return Optional.of(new UnitState(
                stringProperty(path.get(), UNIT, "ActiveState", deadline),
                stringProperty(path.get(), UNIT, "SubState", deadline),
                optionalString(path.get(), typeIface, "Result", deadline),
                optionalString(path.get(), typeIface, "ControlGroup", deadline)));
    }

    /** Any uint64 property of the unit's type interface (e.g. MemoryMax, TasksMax, MemorySwapMax on org.freedesktop.systemd1.Scope), for tests and `bpm features`. */
    public long uint64Property(String name, String iface, String property) throws IOException {
        long deadline = deadline(CALL_TIMEOUT);
        String path = unitPath(name, deadline)
                .orElseThrow(() -> new DBusError(NO_SUCH_UNIT, "Unit " + name + " not loaded."));
        Variant v = property(path, iface, property, deadline);
        if (!v.signature().equals("t")) {
            throw new IOException("systemd property " + iface + "." + property + " of " + name + " has type "
                    + v.signature() + ", not t");
        }
        return (Long) v.value();
    }

    /** The interface named after a unit's type: {@code x.scope} has org.freedesktop.systemd1.Scope. */
    static String typeInterface(String unitName) {
        int dot = unitName.lastIndexOf('.');
        String type = dot < 0 ? "" : unitName.substring(dot + 1);
        if (type.isEmpty()) return UNIT;
        return "org.freedesktop.systemd1." + type.substring(0, 1).toUpperCase(Locale.ROOT) + type.substring(1);
    }

    private Optional<String> unitPath(String name, long deadline) throws IOException {
        try {
            Message r = bus.call(Message.methodCall(SERVICE, PATH, MANAGER, "GetUnit", "s", name), deadline);
            if (!r.signature().equals("o")) throw bus.unexpected("GetUnit", r);
            return Optional.of((String) r.body().get(0));
        } catch (DBusError e) {
            if (e.name().equals(NO_SUCH_UNIT)) return Optional.empty();
            throw e;
        }
    }

    private Variant property(String path, String iface, String property, long deadline) throws IOException {
        Message r = bus.call(Message.methodCall(SERVICE, path, PROPERTIES, "Get", "ss", iface, property), deadline);
        if (!r.signature().equals("v")) throw bus.unexpected("Properties.Get", r);
        return (Variant) r.body().get(0);
    }

    private String stringProperty(String path, String iface, String property, long deadline) throws IOException {
        Variant v = property(path, iface, property, deadline);
        if (!v.signature().equals("s")) {
            throw new IOException("systemd property " + iface + "." + property + " at " + path + " has type "
                    + v.signature() + ", not s");
        }
        return (String) v.value();
    }

    /** A string property the interface may lack (a slice has no Result): "" then. */
    private String optionalString(String path, String iface, String property, long deadline) throws IOException {
        try {
            return stringProperty(path, iface, property, deadline);
        } catch (DBusError e) {
            if (e.name().equals("org.freedesktop.DBus.Error.UnknownProperty")
                    || e.name().equals("org.freedesktop.DBus.Error.UnknownInterface")
                    || e.name().equals("org.freedesktop.DBus.Error.InvalidArgs")) {
                return "";
            }
            throw e;
        }
    }

    /** Subscribe and the JobRemoved match, once per connection and before any job is queued. */
    private void subscribe(long deadline) throws IOException {
        if (subscribed) return;
        bus.call(Message.methodCall(BusConnection.DBUS, BusConnection.DBUS_PATH, BusConnection.DBUS, "AddMatch", "s",
                JOB_REMOVED_MATCH), deadline);
        try {
            bus.call(Message.methodCall(SERVICE, PATH, MANAGER, "Subscribe", ""), deadline);
        } catch (DBusError e) {
            if (!e.name().equals("org.freedesktop.systemd1.AlreadySubscribed")) throw e;
        }
        subscribed = true;
    }

    /** Waits for JobRemoved(id, job, unit, result) of the job the call's reply names; returns result. */
    private String awaitJob(String call, String unit, Message reply, long deadline, Duration timeout) throws IOException {
        if (!reply.signature().equals("o")) throw bus.unexpected(call, reply);
        String job = (String) reply.body().get(0);
        try {
            Message removed = bus.await(m -> m.type() == Message.Type.SIGNAL && MANAGER.equals(m.iface())
                    && "JobRemoved".equals(m.member()) && "uoss".equals(m.signature())
                    && job.equals(m.body().get(1)), deadline);
            return (String) removed.body().get(3);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("systemd did not finish " + call + " of " + unit + " (job " + job
                    + ") within " + timeout.toMillis() + " ms");
        }
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
    }

    @Override
    public void close() {
        bus.close();
    }
}

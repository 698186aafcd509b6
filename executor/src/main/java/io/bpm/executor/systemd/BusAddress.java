package io.bpm.executor.systemd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A unix-socket D-Bus address: {@code unix:path=/run/dbus/system_bus_socket} (a file) or
 * {@code unix:abstract=NAME} (Linux's abstract namespace). An address string may list several,
 * separated by {@code ;}, tried in order; values may be %-escaped as the specification allows.
 *
 * @param name     the socket's path, or the abstract name without its leading NUL
 * @param abstract whether {@code name} is in the abstract namespace
 */
record BusAddress(String name, boolean isAbstract) {

    static final String SYSTEM_BUS_DEFAULT = "unix:path=/run/dbus/system_bus_socket";

    /** The unix-socket addresses of {@code address}, in order; other transports are skipped. */
    static List<BusAddress> parse(String address) throws IOException {
        List<BusAddress> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String entry : address.split(";")) {
            if (entry.isBlank()) continue;
            int colon = entry.indexOf(':');
            if (colon < 0) throw new IOException("D-Bus address \"" + entry + "\" has no transport (e.g. unix:path=/run/dbus/system_bus_socket)");
            String transport = entry.substring(0, colon);
            if (!transport.equals("unix")) {
                skipped.add(entry);
                continue;
            }
            String path = null, abstractName = null;
            for (String kv : entry.substring(colon + 1).split(",")) {
                int eq = kv.indexOf('=');
                if (eq < 0) throw new IOException("D-Bus address \"" + entry + "\": \"" + kv + "\" is not key=value");
                String key = kv.substring(0, eq), value = unescape(kv.substring(eq + 1), entry);
                switch (key) {
                    case "path" -> path = value;
                    case "abstract" -> abstractName = value;
                    default -> { }                          // guid and others do not change how we connect
                }
            }
            if ((path == null) == (abstractName == null)) {
                throw new IOException("D-Bus address \"" + entry + "\" needs exactly one of path= or abstract=");
            }
            out.add(path != null ? new BusAddress(path, false) : new BusAddress(abstractName, true));
        }
        if (out.isEmpty()) {
            throw new IOException("D-Bus address \"" + address + "\" names no unix socket"
                    + (skipped.isEmpty() ? "" : " (bpm speaks only unix:path= and unix:abstract=, not " + skipped + ")"));
        }
        return out;
    }

    private static String unescape(String s, String entry) throws IOException {
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '%') {
                out.write(in[i]);
                continue;
            }
            if (i + 3 > in.length) throw new IOException("D-Bus address \"" + entry + "\" has a cut-off %-escape");
            int hi = Character.digit(in[i + 1], 16), lo = Character.digit(in[i + 2], 16);
            if (hi < 0 || lo < 0) throw new IOException("D-Bus address \"" + entry + "\" has a bad %-escape");
            out.write(hi << 4 | lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return isAbstract ? "unix:abstract=" + name : "unix:path=" + name;
    }
}

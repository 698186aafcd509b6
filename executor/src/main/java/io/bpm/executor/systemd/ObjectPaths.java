package io.bpm.executor.systemd;

/** The syntax of a D-Bus object path: {@code /} or {@code /elem/elem} with elements of [A-Za-z0-9_]. */
final class ObjectPaths {
    private ObjectPaths() { }

    static boolean valid(String p) {
        if (p.isEmpty() || p.charAt(0) != '/') return false;
        if (p.length() == 1) return true;
        if (p.charAt(p.length() - 1) == '/') return false;
        for (int i = 1; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '/') {
                if (p.charAt(i - 1) == '/') return false;
            } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}

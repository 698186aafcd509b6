package io.bpm.executor.systemd;

import java.util.ArrayList;
import java.util.List;

/**
 * D-Bus type signatures as far as bpm speaks them: the basic types {@code y b n q i u x t d s o g},
 * arrays {@code a}, structs {@code (...)}, dict entries {@code {..}} inside arrays, and variants
 * {@code v}. Unix fds ({@code h}) are not negotiated, so they are refused. The limits are the
 * specification's: 255 bytes, 32 nested arrays, 32 nested structs.
 */
final class Signatures {
    private Signatures() { }

    static final int MAX_LENGTH = 255;
    static final int MAX_ARRAY_DEPTH = 32;
    static final int MAX_STRUCT_DEPTH = 32;

    /** The single complete types of {@code sig}, in order; empty for the empty signature. */
    static List<String> split(String sig) throws WireException {
        if (sig.length() > MAX_LENGTH) {
            throw new WireException("signature is " + sig.length() + " bytes long, more than D-Bus's 255");
        }
        List<String> types = new ArrayList<>();
        int i = 0;
        while (i < sig.length()) {
            int end = next(sig, i, 0, 0);
            types.add(sig.substring(i, end));
            i = end;
        }
        return types;
    }

    /** The one complete type {@code type} is, or an exception saying why it is not exactly one. */
    static String single(String type) throws WireException {
        List<String> types = split(type);
        if (types.size() != 1) {
            throw new WireException("\"" + type + "\" is not a single complete type (it has " + types.size() + ")");
        }
        return type;
    }

    /** The index just past the complete type that starts at {@code i}. */
    private static int next(String sig, int i, int arrays, int structs) throws WireException {
        if (i >= sig.length()) throw bad(sig, i, "it ends inside a container");
        char c = sig.charAt(i);
        switch (c) {
            case 'y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'd', 's', 'o', 'g', 'v' -> {
                return i + 1;
            }
            case 'a' -> {
                if (arrays + 1 > MAX_ARRAY_DEPTH) throw bad(sig, i, "arrays nest deeper than 32");
                if (i + 1 < sig.length() && sig.charAt(i + 1) == '{') {
                    return dictEntry(sig, i + 1, arrays + 1, structs);
                }
                return next(sig, i + 1, arrays + 1, structs);
            }
            case '(' -> {
                if (structs + 1 > MAX_STRUCT_DEPTH) throw bad(sig, i, "structs nest deeper than 32");
                int j = i + 1;
                if (j < sig.length() && sig.charAt(j) == ')') throw bad(sig, i, "a struct must have a member");
                while (j < sig.length() && sig.charAt(j) != ')') j = next(sig, j, arrays, structs + 1);
                if (j >= sig.length()) throw bad(sig, i, "the struct is not closed");
                return j + 1;
            }
            case 'h' -> throw bad(sig, i, "unix fds (h) are not supported");
            case '{' -> throw bad(sig, i, "a dict entry must be an array's element");
            default -> throw bad(sig, i, "'" + c + "' is not a type code");
        }
    }

    private static int dictEntry(String sig, int i, int arrays, int structs) throws WireException {
        if (structs + 1 > MAX_STRUCT_DEPTH) throw bad(sig, i, "structs nest deeper than 32");
        int key = i + 1;
        if (key >= sig.length() || !isBasic(sig.charAt(key))) {
            throw bad(sig, key, "a dict entry's key must be a basic type");
        }
        int end = next(sig, key + 1, arrays, structs + 1);
        if (end >= sig.length() || sig.charAt(end) != '}') {
            throw bad(sig, end, "a dict entry has exactly a key and a value");
        }
        return end + 1;
    }

    static boolean isBasic(char c) {
        return "ybnqiuxtdsog".indexOf(c) >= 0;
    }

    /** The alignment of a type's first byte, by its type code. */
    static int alignment(char c) {
        return switch (c) {
            case 'y', 'g', 'v' -> 1;
            case 'n', 'q' -> 2;
            case 'b', 'i', 'u', 's', 'o', 'a' -> 4;
            default -> 8;                                   // x t d ( {
        };
    }

    private static WireException bad(String sig, int at, String why) {
        return new WireException("bad signature \"" + sig + "\" at " + at + ": " + why);
    }
}

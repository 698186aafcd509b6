package io.bpm.executor.systemd;

import java.io.IOException;

/** A message or signature that breaks the D-Bus wire format; the message says what and where. */
final class WireException extends IOException {
    WireException(String message) {
        super(message);
    }
}

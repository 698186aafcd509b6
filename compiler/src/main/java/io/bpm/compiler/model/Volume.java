package io.bpm.compiler.model;

/** One entry of additional_volumes or unsafe.unrestricted_volumes. */
public record Volume(String pointer, String path, boolean writable, boolean allowExecutions,
                     boolean mountOnly, boolean shared) {
}

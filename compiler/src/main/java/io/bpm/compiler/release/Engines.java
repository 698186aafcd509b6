package io.bpm.compiler.release;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds and starts the JRuby template engine, only when a release directory is linted: JRuby
 * (a 35 MB jar) is not on bpm's class path, so start, stop, list and every other command never
 * open it. It lives in {@code jruby/} beside bpm-compiler.jar (compiler/target/jruby in a
 * checkout, lib/jruby in the distribution); on a test class path it is used from there.
 */
public final class Engines {
    static final String IMPLEMENTATION = "io.bpm.compiler.release.jruby.JRubyEngine";
    private static final String IMPLEMENTATION_PACKAGE = "io.bpm.compiler.release.jruby.";

    private static TemplateEngine shared;

    private Engines() {
    }

    /** The engine is not installed or does not start; the message says what to do. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The one engine of this process, started on first use (about 2 s: JRuby and its libraries). */
    public static synchronized TemplateEngine get() throws Unavailable {
        if (shared == null || abandoned(shared)) shared = start();
        return shared;
    }

    private static boolean abandoned(TemplateEngine e) {
        try {
            return (boolean) e.getClass().getMethod("abandoned").invoke(e);
        } catch (ReflectiveOperationException ex) {
            return false;
        }
    }

    private static TemplateEngine start() throws Unavailable {
        ClassLoader own = Engines.class.getClassLoader();
        try {
            ClassLoader loader = own.getResource("org/jruby/Ruby.class") != null ? own : isolated(own);
            return (TemplateEngine) Class.forName(IMPLEMENTATION, true, loader).getConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            throw new Unavailable("cannot start JRuby to render templates: " + cause, cause);
        }
    }

    /** A loader of JRuby's jar that defines the engine's own package itself, so the engine sees JRuby. */
    private static ClassLoader isolated(ClassLoader parent) throws Unavailable {
        Path jar = locate().orElseThrow(() -> new Unavailable(
                "JRuby is not installed beside bpm (looked for jruby/jruby-complete-*.jar next to " + ownJar().map(Path::toString).orElse("bpm's jar")
                        + "): linting a release directory renders its ERB templates with JRuby, which the self-contained "
                        + "archive for VMs (bpm-VERSION-linux-amd64) leaves out; use bpm-VERSION.tar.gz or a checkout built with "
                        + "bin/build for release directories (rendered bpm.yml files lint here as they are)", null));
        try {
            return new URLClassLoader(new URL[] {jar.toUri().toURL()}, parent) {
                @Override
                protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                    if (!name.startsWith(IMPLEMENTATION_PACKAGE)) return super.loadClass(name, resolve);
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        if (c == null) {
                            try (InputStream in = parent.getResourceAsStream(name.replace('.', '/') + ".class")) {
                                if (in == null) throw new ClassNotFoundException(name);
                                byte[] code = in.readAllBytes();
                                c = defineClass(name, code, 0, code.length);
                            } catch (IOException e) {
                                throw new ClassNotFoundException(name, e);
                            }
                        }
                        if (resolve) resolveClass(c);
                        return c;
                    }
                }

                @Override
                public URL getResource(String name) {
                    // the engine's own resources (template_context.rb) come from bpm's jar
                    if (name.startsWith(IMPLEMENTATION_PACKAGE.replace('.', '/'))) return parent.getResource(name);
                    return super.getResource(name);
                }

                @Override
                public InputStream getResourceAsStream(String name) {
                    if (name.startsWith(IMPLEMENTATION_PACKAGE.replace('.', '/'))) return parent.getResourceAsStream(name);
                    return super.getResourceAsStream(name);
                }
            };
        } catch (MalformedURLException e) {
            throw new Unavailable("cannot load " + jar + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> locate() {
        return ownJar().map(j -> j.resolveSibling("jruby")).filter(Files::isDirectory).flatMap(dir -> {
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> p.getFileName().toString().matches("jruby-complete-.*\\.jar")).sorted().reduce((a, b) -> b);
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    private static Optional<Path> ownJar() {
        try {
            var source = Engines.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}

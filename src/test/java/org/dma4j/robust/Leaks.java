package org.dma4j.robust;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dma4j.linux.Syscalls;

/**
 * What a failed or finished operation must give back, as the kernel and dma4j count it: open
 * file descriptors ({@code /proc/self/fd}), locked and pinned memory ({@code VmLck}, {@code VmPin}
 * of {@code /proc/self/status}), and bytes mmapped through {@link Syscalls} and not unmapped.
 */
public record Leaks(long fds, long vmLckKb, long vmPinKb, long mappedBytes) {
    public static Leaks now() {
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long lck = 0, pin = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmLck:")) {
                    lck = kb(line);
                } else if (line.startsWith("VmPin:")) {
                    pin = kb(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Leaks(fds, lck, pin, Syscalls.mappedBytes());
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /** What grew between {@code before} and this snapshot, in words; empty when nothing leaked. */
    public List<String> grewSince(Leaks before) {
        List<String> out = new ArrayList<>();
        if (fds > before.fds) {
            out.add((fds - before.fds) + " file descriptors (" + before.fds + " -> " + fds + ")");
        }
        if (vmLckKb > before.vmLckKb) {
            out.add("VmLck " + before.vmLckKb + " -> " + vmLckKb + " kB");
        }
        if (vmPinKb > before.vmPinKb) {
            out.add("VmPin " + before.vmPinKb + " -> " + vmPinKb + " kB");
        }
        if (mappedBytes > before.mappedBytes) {
            out.add("mmapped " + before.mappedBytes + " -> " + mappedBytes + " bytes");
        }
        return out;
    }
}

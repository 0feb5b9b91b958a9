package org.dma4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * How the CLI reads numbers: 64-bit decimal or {@code 0x} hex, never octal ({@code 010} is ten;
 * leading zeros are decimal), sizes with a binary suffix ({@code 4k}, {@code 1m}, {@code 1g}),
 * and the range checks every option gets before a device is opened or memory allocated.
 */
final class Numbers {
    private Numbers() {}

    /** A decimal or 0x-hex integer of 64 bits (sign allowed, so ranges say what is wrong with -5). */
    static long parse(String s) {
        return parse(s, false);
    }

    /** Like {@link #parse(String)}, with an optional k/m/g (KiB/MiB/GiB) suffix. */
    static long parseSize(String s) {
        return parse(s, true);
    }

    private static long parse(String text, boolean suffix) {
        String s = text.strip();
        boolean negative = s.startsWith("-");
        String digits = negative || s.startsWith("+") ? s.substring(1) : s;
        int shift = 0;
        if (suffix && !digits.isEmpty() && !isHex(digits)) {
            shift = switch (Character.toLowerCase(digits.charAt(digits.length() - 1))) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                default -> 0;
            };
            if (shift != 0) {
                digits = digits.substring(0, digits.length() - 1);
            }
        }
        boolean hex = isHex(digits);
        String body = hex ? digits.substring(2) : digits;
        if (body.isEmpty() || body.chars().anyMatch(c -> Character.digit(c, hex ? 16 : 10) < 0 || c > 0x7f)) {
            throw new NumberFormatException("'" + text + "' is not a number (decimal, or hex with 0x"
                    + (suffix ? "; sizes take k, m or g" : "") + ")");
        }
        try {
            long v = hex ? Long.parseUnsignedLong(body, 16) : Long.parseLong(body);
            if (hex && v < 0) {
                throw new NumberFormatException();
            }
            if (shift != 0 && v > Long.MAX_VALUE >> shift) {
                throw new NumberFormatException();
            }
            v <<= shift;
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            throw new NumberFormatException("'" + text + "' does not fit in 64 bits");
        }
    }

    private static boolean isHex(String s) {
        return s.length() >= 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X');
    }

    /** Picocli converter: a 64-bit number, decimal or 0x hex. */
    static final class Number implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli converter: a byte count, with an optional k/m/g suffix. */
    static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parseSize(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli converter: seconds, a finite decimal number (no NaN, no infinity, no hex floats). */
    static final class Seconds implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String s = value.strip();
            if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                throw new TypeConversionException("'" + value + "' is not a number of seconds (like 5 or 0.5)");
            }
            double d = Double.parseDouble(s);
            if (!Double.isFinite(d)) {
                throw new TypeConversionException("'" + value + "' is not a finite number of seconds");
            }
            return d;
        }
    }

    /** Checks {@code min <= value <= max}; otherwise a usage error naming the option and its range. */
    static long check(CommandSpec spec, String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ParameterException(spec.commandLine(), option + " must be " + range(min, max) + ", not " + value);
        }
        return value;
    }

    static double check(CommandSpec spec, String option, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ParameterException(
                    spec.commandLine(),
                    option + " must be " + plain(min) + ".." + plain(max) + " seconds, not " + plain(value));
        }
        return value;
    }

    private static String plain(double d) {
        return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static String range(long min, long max) {
        return max == Long.MAX_VALUE ? "at least " + min : min + ".." + max;
    }
}

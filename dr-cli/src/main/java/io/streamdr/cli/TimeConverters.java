package io.streamdr.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How the command line reads durations and instants, with errors that say what is expected. */
public final class TimeConverters {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private TimeConverters() {}

  /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}, or ISO-8601 such as {@code PT1M30S}. */
  static final class Durations implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value);
    }
  }

  /** An ISO-8601 instant ({@code 2026-11-24T05:30:00Z}), a date-time with an offset, or a date (midnight UTC). */
  static final class Instants implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      return parseInstant(value);
    }
  }

  /** Reads a duration; throws picocli's TypeConversionException saying how to write one. */
  public static Duration parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("'%s' is not a duration; write it as 500ms, 30s, 10m, 2h or 1d (or ISO-8601, e.g. PT1M30S)"
          .formatted(value));
    }
  }

  static Instant parseInstant(String value) {
    String v = value.trim();
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException notInstant) {
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException notOffset) {
        try {
          return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notDate) {
          throw new TypeConversionException(("'%s' is not a point in time; write it in UTC as 2026-11-24T05:30:00Z, with an offset "
              + "as 2026-11-24T07:30:00+02:00, or a date as 2026-11-24 (midnight UTC)").formatted(value));
        }
      }
    }
  }
}

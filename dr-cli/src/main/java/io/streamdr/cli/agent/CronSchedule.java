package io.streamdr.cli.agent;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A Unix cron expression ({@code minute hour day-of-month month day-of-week}) evaluated in UTC, through cron-utils.
 */
public final class CronSchedule {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private final String expression;
  private final ExecutionTime times;

  private CronSchedule(String expression, ExecutionTime times) {
    this.expression = expression;
    this.times = times;
  }

  /** Parses an expression. @throws IllegalArgumentException saying what is wrong and how to write one */
  public static CronSchedule parse(String expression) {
    problem(expression).ifPresent(p -> {
      throw new IllegalArgumentException(p);
    });
    return new CronSchedule(expression, ExecutionTime.forCron(PARSER.parse(expression)));
  }

  /** What is wrong with an expression, if anything. */
  public static Optional<String> problem(String expression) {
    try {
      PARSER.parse(expression).validate();
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of("is not a Unix cron expression (minute hour day-of-month month day-of-week, in UTC, e.g. \"0 2 * * *\" for"
          + " 02:00 daily): " + e.getMessage());
    }
  }

  /** The latest scheduled time at or before {@code t}, if the schedule has one. */
  public Optional<Instant> latestAtOrBefore(Instant t) {
    ZonedDateTime at = t.atZone(ZoneOffset.UTC);
    if (times.isMatch(at.withSecond(0).withNano(0)) && !at.withSecond(0).withNano(0).isAfter(at)) {
      return Optional.of(at.withSecond(0).withNano(0).toInstant());
    }
    return times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /** The first scheduled time after {@code t}. */
  public Optional<Instant> nextAfter(Instant t) {
    return times.nextExecution(t.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toInstant);
  }

  @Override
  public String toString() {
    return expression + " (UTC)";
  }
}

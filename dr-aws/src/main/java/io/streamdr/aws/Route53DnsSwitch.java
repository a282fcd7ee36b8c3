package io.streamdr.aws;

import io.streamdr.core.DrException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionSwitch;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsResponse;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Points one DNS record (the name clients use, e.g. {@code kafka.streaming.example.com}) at the active region's
 * endpoint with a Route 53 UPSERT, then waits until the change is INSYNC, with a deadline. Idempotent: if the record
 * already points at the target, nothing is changed. {@link #listener} makes it follow a
 * {@link io.streamdr.core.region.RegionRouter}. Credentials come from the Route53Client you build; they never appear
 * in messages or results. Thread-safe.
 */
public final class Route53DnsSwitch {
  private static final Logger LOG = LoggerFactory.getLogger(Route53DnsSwitch.class);
  private final Route53Client route53;
  private final String hostedZoneId;
  private final String recordName;
  private final RRType type;
  private final long ttlSeconds;
  private final Map<String, String> endpoints;
  private final Duration timeout;
  private final Sleeper sleeper;

  /** What a switch did. */
  public record Result(String recordName, String value, boolean changed, Optional<String> changeId, Duration took) {}

  /**
   * @param route53      the client (credentials, endpoint)
   * @param hostedZoneId the hosted zone, e.g. {@code Z1D633PJN98FT9}
   * @param recordName   the record clients resolve, e.g. {@code kafka.streaming.example.com}
   * @param type         CNAME (to a host name) or A (to an address)
   * @param ttlSeconds   the record's TTL; clients may keep the old answer this long
   * @param endpoints    region name → the value the record takes when that region is active
   * @param timeout      how long to wait for INSYNC
   */
  public Route53DnsSwitch(Route53Client route53, String hostedZoneId, String recordName, RRType type, long ttlSeconds,
      Map<String, String> endpoints, Duration timeout, Sleeper sleeper) {
    this.route53 = Checks.requireNonNull(route53, "Route 53 client");
    this.hostedZoneId = Checks.requireNonBlank(hostedZoneId, "hosted zone id");
    this.recordName = normalize(Checks.requireNonBlank(recordName, "record name"));
    this.type = Checks.requireNonNull(type, "record type");
    this.ttlSeconds = ttlSeconds;
    this.endpoints = Map.copyOf(endpoints);
    this.timeout = Checks.requirePositive(timeout, "timeout");
    this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
  }

  private static String normalize(String name) {
    return name.endsWith(".") ? name : name + ".";
  }

  /** The record's current value, if it exists. */
  public Optional<String> current() {
    try {
      ListResourceRecordSetsResponse r = route53.listResourceRecordSets(b -> b.hostedZoneId(hostedZoneId)
          .startRecordName(recordName).startRecordType(type).maxItems("1"));
      return r.resourceRecordSets().stream()
          .filter(s -> normalize(s.name()).equalsIgnoreCase(recordName) && s.type() == type && !s.resourceRecords().isEmpty())
          .map(s -> s.resourceRecords().get(0).value()).findFirst();
    } catch (SdkException e) {
      throw error("read", e);
    }
  }

  /** Points the record at {@code region}'s endpoint and waits until Route 53 reports INSYNC. */
  public Result switchTo(Region region) {
    String value = endpoints.get(region.name());
    if (value == null) {
      throw new InvalidRequestException(ResourceType.REGION, region.name(),
          "No DNS value configured for region '%s'; known regions: %s".formatted(region.name(), endpoints.keySet()));
    }
    long t0 = System.nanoTime();
    if (current().map(v -> v.equalsIgnoreCase(value)).orElse(false)) {
      LOG.info("{} already points at {} ({}); nothing to change", recordName, value, region.name());
      return new Result(recordName, value, false, Optional.empty(), Duration.ofNanos(System.nanoTime() - t0));
    }
    String changeId;
    try {
      changeId = route53.changeResourceRecordSets(b -> b.hostedZoneId(hostedZoneId).changeBatch(c -> c
          .comment("StreamDR failover to " + region.name())
          .changes(Change.builder().action(ChangeAction.UPSERT).resourceRecordSet(ResourceRecordSet.builder()
              .name(recordName).type(type).ttl(ttlSeconds).resourceRecords(rr -> rr.value(value)).build()).build())))
          .changeInfo().id();
    } catch (SdkException e) {
      throw error("update", e);
    }
    long deadline = t0 + timeout.toNanos();
    Duration pause = Duration.ofMillis(250);
    while (true) {
      ChangeStatus status;
      try {
        status = route53.getChange(b -> b.id(changeId)).changeInfo().status();
      } catch (SdkException e) {
        throw error("wait for", e);
      }
      if (status == ChangeStatus.INSYNC) {
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("{} now points at {} ({}), INSYNC after {} ms", recordName, value, region.name(), took.toMillis());
        return new Result(recordName, value, true, Optional.of(changeId), took);
      }
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.DNS_CHANGE, changeId, timeout,
            "Route 53 change %s of %s to %s is still %s after %s; it may still complete — check GetChange".formatted(
                changeId, recordName, value, status, timeout));
      }
      try {
        sleeper.sleep(pause);
      } catch (InterruptedException e) {
        throw new DrInterruptedException("waiting for Route 53 change " + changeId, e);
      }
      pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
    }
  }

  /** A region-switch listener that points the record at each newly active region. */
  public Consumer<RegionSwitch> listener() {
    return event -> switchTo(event.to());
  }

  private DrException error(String what, SdkException e) {
    String where = "Route 53 zone " + hostedZoneId + " record " + recordName;
    if (e instanceof software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException) {
      return new NotFoundException(ResourceType.HOSTED_ZONE, hostedZoneId,
          "Route 53 hosted zone %s does not exist; check the zone id".formatted(hostedZoneId));
    }
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      var config = route53.serviceClientConfiguration().overrideConfiguration();
      Duration limit = (e instanceof ApiCallTimeoutException ? config.apiCallTimeout() : config.apiCallAttemptTimeout())
          .orElse(Duration.ZERO);
      return new DrTimeoutException(ResourceType.DNS_RECORD, recordName, limit,
          "Could not %s %s within the Route 53 client's call timeout of %s; Route 53 may be slow or unreachable"
              .formatted(what, where, limit));
    }
    if (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a) {
      String code = a.awsErrorDetails() == null ? "" : a.awsErrorDetails().errorCode();
      return new RemoteServiceException(what, where, a.statusCode(), code,
          "Could not %s %s: %d %s".formatted(what, where, a.statusCode(), code), e, a.retryable());
    }
    return new RemoteServiceException(what, where, 0, "", "Could not %s %s: %s".formatted(what, where, e.getMessage()), e, true);
  }
}

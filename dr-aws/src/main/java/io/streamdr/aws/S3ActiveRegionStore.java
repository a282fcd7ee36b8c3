package io.streamdr.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.FencedException;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An {@link ActiveRegionStore} in one S3 object, outside both Kafka clusters, using S3 conditional writes: the
 * first record is written with {@code If-None-Match: *}, every later one with {@code If-Match: <ETag>} of the record
 * it read. A write that loses the race gets 412 Precondition Failed (or 409 for a concurrent conditional write) and
 * becomes a {@link FencedException} naming the winner. Thread-safe; safe across processes and regions.
 */
public final class S3ActiveRegionStore implements ActiveRegionStore {
  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final Clock clock;

  public S3ActiveRegionStore(S3Client s3, String bucket, String key, Clock clock) {
    this.s3 = Checks.requireNonNull(s3, "S3 client");
    this.bucket = Checks.requireNonBlank(bucket, "bucket");
    this.key = Checks.requireNonBlank(key, "key");
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  public S3ActiveRegionStore(S3Client s3, String bucket, String key) {
    this(s3, bucket, key, Clock.systemUTC());
  }

  private record Versioned(ActiveRegion record, String etag) {}

  private Optional<Versioned> readVersioned() {
    try {
      ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
      JsonNode n = Json.MAPPER.readTree(bytes.asByteArray());
      return Optional.of(new Versioned(new ActiveRegion(n.path("region").asText(), n.path("epoch").asLong(),
          n.path("reason").asText(""), Instant.parse(n.path("since").asText())), bytes.response().eTag()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      if (e instanceof S3Exception s && s.statusCode() == 404) {
        return Optional.empty();
      }
      if (e instanceof SdkException sdk) {
        throw S3Errors.translate(sdk, bucket, key, "GET");
      }
      throw new BackupCorruptedException("s3://" + bucket + "/" + key,
          "Active-region record s3://%s/%s is unreadable (%s); fix or delete it".formatted(bucket, key, e.getMessage()), e);
    }
  }

  @Override
  public Optional<ActiveRegion> read() {
    return readVersioned().map(Versioned::record);
  }

  @Override
  public ActiveRegion compareAndSet(long expectedEpoch, String region, String reason) {
    Checks.requireNonBlank(region, "region");
    Optional<Versioned> current = readVersioned();
    long epoch = current.map(v -> v.record().epoch()).orElse(0L);
    if (epoch != expectedEpoch) {
      throw new FencedException(expectedEpoch, epoch, current.map(v -> v.record().region()).orElse(null));
    }
    ActiveRegion next = new ActiveRegion(region, epoch + 1, reason, clock.instant());
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("region", next.region()).put("epoch", next.epoch())
          .put("reason", next.reason()).put("since", next.since().toString()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    try {
      s3.putObject(r -> {
        r.bucket(bucket).key(key).contentType("application/json");
        if (current.isPresent()) {
          r.ifMatch(current.get().etag());
        } else {
          r.ifNoneMatch("*");
        }
      }, RequestBody.fromBytes(body));
      return next;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        Optional<ActiveRegion> winner = read();
        throw new FencedException(expectedEpoch, winner.map(ActiveRegion::epoch).orElse(0L), winner.map(ActiveRegion::region).orElse(null));
      }
      throw S3Errors.translate(e, bucket, key, "PUT");
    } catch (SdkException e) {
      throw S3Errors.translate(e, bucket, key, "PUT");
    }
  }

  @Override
  public String toString() {
    return "S3ActiveRegionStore[s3://" + bucket + "/" + key + "]";
  }
}

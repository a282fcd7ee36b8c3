package io.streamdr.core.verify;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What to verify: a set of topics of a source cluster against their replicas (or restored copies) in a target.
 * Immutable; build with {@link #builder(String, String)}.
 */
public final class VerificationRequest {
  private final String source;
  private final String target;
  private final List<String> topics;
  private final List<String> groups;
  private final ReplicationNaming naming;
  private final Instant cutoff;
  private final int window;
  private final Comparison comparison;

  private VerificationRequest(Builder b) {
    this.source = Checks.requireNonBlank(b.source, "source cluster");
    this.target = Checks.requireNonBlank(b.target, "target cluster");
    if (b.topics.isEmpty()) {
      throw new InvalidRequestException("A verification needs at least one topic; add topics(...)");
    }
    this.topics = List.copyOf(b.topics);
    this.groups = List.copyOf(b.groups);
    this.naming = b.naming;
    this.cutoff = b.cutoff;
    this.window = b.window;
    this.comparison = b.comparison;
  }

  /**
   * @param source name of the source (a region, a cluster alias or a backup id, as the verifier understands it)
   * @param target name of the target
   */
  public static Builder builder(String source, String target) {
    return new Builder(source, target);
  }

  public Builder toBuilder() {
    return new Builder(source, target).topics(topics).groups(groups).naming(naming).cutoff(cutoff).window(window)
        .comparison(comparison);
  }

  public String source() {
    return source;
  }

  public String target() {
    return target;
  }

  /** Source topic names. */
  public List<String> topics() {
    return topics;
  }

  /** Consumer groups whose committed positions to compare. */
  public List<String> groups() {
    return groups;
  }

  public ReplicationNaming naming() {
    return naming;
  }

  /**
   * Compare only source records with timestamps up to this instant; empty means up to the source end offsets
   * observed when verification starts.
   */
  public Optional<Instant> cutoff() {
    return Optional.ofNullable(cutoff);
  }

  /** Look-ahead window of the content alignment; see {@link PartitionComparator}. */
  public int window() {
    return window;
  }

  /** How partitions are compared (default {@link Comparison#AUTO}: by latest value per key for compacted topics). */
  public Comparison comparison() {
    return comparison;
  }

  /** Builder for {@link VerificationRequest}. */
  public static final class Builder {
    private final String source;
    private final String target;
    private List<String> topics = List.of();
    private List<String> groups = List.of();
    private ReplicationNaming naming = ReplicationNaming.identity();
    private Instant cutoff;
    private int window = PartitionComparator.DEFAULT_WINDOW;
    private Comparison comparison = Comparison.AUTO;

    private Builder(String source, String target) {
      this.source = source;
      this.target = target;
    }

    public Builder topics(List<String> topics) {
      this.topics = List.copyOf(topics);
      return this;
    }

    public Builder topics(String... topics) {
      return topics(List.of(topics));
    }

    public Builder groups(List<String> groups) {
      this.groups = List.copyOf(groups);
      return this;
    }

    public Builder naming(ReplicationNaming naming) {
      this.naming = Checks.requireNonNull(naming, "naming");
      return this;
    }

    public Builder cutoff(Instant cutoff) {
      this.cutoff = cutoff;
      return this;
    }

    public Builder window(int window) {
      if (window < 2) {
        throw new InvalidRequestException("Verification window must be at least 2, was " + window);
      }
      this.window = window;
      return this;
    }

    /** How partitions are compared; see {@link Comparison}. */
    public Builder comparison(Comparison comparison) {
      this.comparison = Checks.requireNonNull(comparison, "comparison");
      return this;
    }

    public VerificationRequest build() {
      return new VerificationRequest(this);
    }
  }
}

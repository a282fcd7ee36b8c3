package io.streamdr.testkit.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.testkit.EmbeddedS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One component for two test classes, which {@link EmbeddedComponentLifecycleIT} runs in one launch. */
final class SharedHolder {
  static final EmbeddedS3 SHARED = (EmbeddedS3) EmbeddedS3.create().sharedAcrossClasses();

  private SharedHolder() {}

  static class FirstUser {
    @RegisterExtension
    static final EmbeddedS3 S3 = SHARED;

    @Test
    void starts_it() {
      S3.createBucket("by-first");
      assertThat(S3.isStarted()).isTrue();
    }
  }

  static class SecondUser {
    @RegisterExtension
    static final EmbeddedS3 S3 = SHARED;

    @Test
    void finds_it_still_running() {
      S3.createBucket("by-second");
      assertThat(S3.isStarted()).isTrue();
    }
  }
}

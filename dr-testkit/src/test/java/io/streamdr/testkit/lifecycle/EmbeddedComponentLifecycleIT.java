package io.streamdr.testkit.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.streamdr.testkit.EmbeddedS3;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

/** The testkit's components as JUnit extensions: shared by {@code @Nested} classes, and across classes when asked. */
class EmbeddedComponentLifecycleIT {
  @RegisterExtension
  static final EmbeddedS3 S3 = EmbeddedS3.create();

  @Nested
  class FirstNested {
    @Test
    void uses_the_outer_component() {
      S3.createBucket("first");
      assertThat(S3.isStarted()).isTrue();
    }
  }

  @Nested
  class SecondNested {
    @Test
    void uses_it_too_after_the_first_nested_class_ended() {
      S3.createBucket("second");
      assertThat(S3.isStarted()).isTrue();
    }
  }

  @Test
  void a_component_shared_across_classes_outlives_each_class_and_ends_with_the_run() {
    var results = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(SharedHolder.FirstUser.class), selectClass(SharedHolder.SecondUser.class)).execute();
    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2).failed(0));
    assertThat(SharedHolder.SHARED.isStarted()).as("closed when the run that started it ended").isFalse();
  }
}

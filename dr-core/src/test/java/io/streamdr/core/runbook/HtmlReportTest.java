package io.streamdr.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  private static final Instant T0 = Instant.parse("2026-12-01T13:00:00Z");

  private static RunbookReport report() {
    return Runbook.named("region failure").step(Step.of("switch", Phase.EXECUTION, () -> "switched")).run(RecoveryObjectives.defaults());
  }

  @Test
  void a_rate_counts_events_per_bucket_as_per_second_values() {
    List<Instant> events = List.of(T0, T0.plusMillis(100), T0.plusMillis(400), T0.plusMillis(1_200), T0.plusSeconds(5));
    Timeline.Series s = Timeline.rate("acknowledged, us-east-1", "records/s", events, T0, T0.plusSeconds(2), Duration.ofMillis(500));
    assertThat(s.points()).extracting(Timeline.Point::value).containsExactly(6.0, 0.0, 2.0, 0.0);
    assertThat(s.points().get(0).at()).isEqualTo(T0.plusMillis(250));
  }

  @Test
  void the_page_draws_each_unit_as_a_chart_with_its_markers_and_the_json_keeps_the_timeline() {
    Timeline t = new Timeline(List.of(
        new Timeline.Series("acknowledged, us-east-1", "records/s", List.of(new Timeline.Point(T0, 50), new Timeline.Point(T0.plusSeconds(1), 0))),
        new Timeline.Series("acknowledged, us-west-2", "records/s", List.of(new Timeline.Point(T0, 0), new Timeline.Point(T0.plusSeconds(1), 48))),
        new Timeline.Series("replication lag <raw>", "records", List.of(new Timeline.Point(T0, 3)))),
        List.of(new Timeline.Marker("failure injected", T0.plusMillis(300)), new Timeline.Marker("switched", T0.plusMillis(700))));
    RunbookReport r = report().withTimeline(t);
    String html = HtmlReport.render("drill", List.of(r));
    assertThat(html).containsOnlyOnce("aria-label=\"records/s over time\"").containsOnlyOnce("aria-label=\"records over time\"")
        .contains("<polyline").contains("acknowledged, us-west-2").contains("replication lag &lt;raw&gt;")
        .contains(">failure injected</text>").contains(">switched</text>");
    assertThat(r.toJson()).contains("\"timeline\"").contains("\"failure injected\"").contains("\"acknowledged, us-east-1\"");
    assertThat(HtmlReport.render("drill", List.of(report()))).doesNotContain("<polyline");
  }
}

package io.streamdr.core.runbook;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders reports as one self-contained HTML page (no network, no scripts): per report a timeline of the phases as
 * inline SVG bars against their objectives, the objectives table and every step.
 */
public final class HtmlReport {
  private HtmlReport() {}

  public static String render(String title, List<RunbookReport> reports) {
    return render(title, reports, List.of());
  }

  /** The page, with {@code notes} about the whole run (where its full log is, say) under the headline. */
  public static String render(String title, List<RunbookReport> reports, List<String> notes) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}")
        .append("td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}th{background:#f4f4f4}")
        .append(".met{color:#176f2c;font-weight:600}.missed{color:#b00020;font-weight:600}h2{margin-top:2em}</style></head><body>");
    h.append("<h1>").append(esc(title)).append("</h1>");
    boolean all = reports.stream().allMatch(RunbookReport::objectivesMet);
    h.append("<p class=\"").append(all ? "met" : "missed").append("\">")
        .append(all ? "Every objective met" : "Some objectives missed").append(" (").append(reports.size()).append(" drills)</p>");
    notes.forEach(n -> h.append("<p>").append(esc(n)).append("</p>"));
    for (RunbookReport r : reports) {
      h.append("<h2>").append(esc(r.name())).append(" — <span class=\"").append(r.objectivesMet() ? "met\">met" : "missed\">missed")
          .append("</span></h2>");
      h.append(timeline(r));
      h.append(chart(r.timeline()));
      h.append("<table><tr><th>objective</th><th>measured</th><th>limit</th><th></th></tr>");
      for (RunbookReport.ObjectiveResult o : r.objectiveResults()) {
        h.append("<tr><td>").append(esc(o.objective())).append("</td><td>").append(RunbookReport.human(o.measured()))
            .append("</td><td>").append(RunbookReport.human(o.limit())).append("</td><td class=\"").append(o.met() ? "met\">met" : "missed\">MISSED")
            .append("</td></tr>");
      }
      h.append("<tr><td>RPO records</td><td>").append(r.rpoRecords()).append("</td><td></td><td></td></tr></table>");
      h.append("<table><tr><th>phase</th><th>step</th><th>status</th><th>attempts</th><th>duration</th><th>detail</th></tr>");
      for (RunbookReport.StepResult s : r.steps()) {
        h.append("<tr><td>").append(s.phase()).append("</td><td>").append(esc(s.step())).append("</td><td>").append(s.status())
            .append("</td><td>").append(s.attempts()).append("</td><td>").append(RunbookReport.human(s.duration())).append("</td><td>")
            .append(esc(s.detail())).append("</td></tr>");
      }
      h.append("</table>");
      if (!r.notes().isEmpty()) {
        h.append("<ul>");
        r.notes().forEach(n -> h.append("<li>").append(esc(n)).append("</li>"));
        h.append("</ul>");
      }
    }
    return h.append("</body></html>").toString();
  }

  /** Phases as consecutive bars, scaled to the larger of the RTO measured and the total of the phase limits. */
  private static String timeline(RunbookReport r) {
    double total = Math.max(1, r.rto().toMillis());
    int width = 900;
    int y = 10;
    StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + (width + 220) + "\" height=\""
        + (Phase.values().length * 28 + 30) + "\" role=\"img\" aria-label=\"timeline\">");
    double x = 0;
    for (Phase p : Phase.values()) {
      if (!p.partOfRecovery()) {
        continue; // after the recovery: stated below the RTO, not drawn as part of it
      }
      Duration measured = r.phases().getOrDefault(p, Duration.ZERO);
      Duration limit = r.objectives().phases().get(p);
      double w = Math.max(1, measured.toMillis() / total * width);
      boolean met = limit == null || measured.compareTo(limit) <= 0;
      svg.append("<rect x=\"").append(200 + x).append("\" y=\"").append(y).append("\" width=\"").append(w)
          .append("\" height=\"20\" fill=\"").append(met ? "#3c9a5f" : "#c0392b").append("\"/>");
      svg.append("<text x=\"0\" y=\"").append(y + 15).append("\" font-size=\"13\">").append(p).append(" ")
          .append(RunbookReport.human(measured)).append(limit == null ? "" : " / " + RunbookReport.human(limit)).append("</text>");
      x += w;
      y += 28;
    }
    svg.append("<text x=\"200\" y=\"").append(y + 12).append("\" font-size=\"12\">RTO ").append(RunbookReport.human(r.rto()))
        .append(" of ").append(RunbookReport.human(r.objectives().rto())).append(", RPO ").append(RunbookReport.human(r.rpo()))
        .append(" of ").append(RunbookReport.human(r.objectives().rpo()))
        .append(r.phases().containsKey(Phase.FAILBACK) ? "; then FAILBACK " + RunbookReport.human(r.phases().get(Phase.FAILBACK))
            + " (not part of the RTO)" : "").append("</text>");
    return svg.append("</svg>").toString();
  }

  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

  /** One line chart per unit of the timeline's series, time across, with its markers as labelled vertical lines. */
  private static String chart(Timeline t) {
    if (t.isEmpty()) {
      return "";
    }
    List<Instant> times = new ArrayList<>();
    t.series().forEach(s -> s.points().forEach(p -> times.add(p.at())));
    t.markers().forEach(m -> times.add(m.at()));
    long t0 = times.stream().mapToLong(Instant::toEpochMilli).min().orElse(0);
    long t1 = Math.max(t0 + 1, times.stream().mapToLong(Instant::toEpochMilli).max().orElse(1));
    int width = 900;
    int height = 180;
    int left = 60;
    StringBuilder out = new StringBuilder();
    Map<String, List<Timeline.Series>> byUnit = new LinkedHashMap<>();
    t.series().forEach(s -> byUnit.computeIfAbsent(s.unit(), u -> new ArrayList<>()).add(s));
    for (var unit : byUnit.entrySet()) {
      double max = Math.max(1, unit.getValue().stream().flatMap(s -> s.points().stream()).mapToDouble(Timeline.Point::value).max().orElse(1));
      StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + (width + left + 400) + "\" height=\""
          + (height + 80) + "\" role=\"img\" aria-label=\"" + esc(unit.getKey()) + " over time\">");
      svg.append("<text x=\"0\" y=\"14\" font-size=\"12\">").append(esc(unit.getKey())).append(" (max ")
          .append(String.format(Locale.ROOT, "%.0f", max)).append(")</text>");
      svg.append("<line x1=\"").append(left).append("\" y1=\"").append(height + 20).append("\" x2=\"").append(left + width)
          .append("\" y2=\"").append(height + 20).append("\" stroke=\"#999\"/>");
      int k = 0;
      for (Timeline.Marker m : t.markers()) {
        double x = left + (m.at().toEpochMilli() - t0) * (double) width / (t1 - t0);
        int labelY = height + 34 + (k++ % 3) * 14; // neighbouring markers' labels on different rows
        svg.append("<line x1=\"").append(fmt(x)).append("\" y1=\"20\" x2=\"").append(fmt(x)).append("\" y2=\"").append(labelY - 10)
            .append("\" stroke=\"#888\" stroke-dasharray=\"4,3\"/><text x=\"").append(fmt(x + 2)).append("\" y=\"").append(labelY)
            .append("\" font-size=\"10\">").append(esc(m.label())).append("</text>");
      }
      int i = 0;
      for (Timeline.Series s : unit.getValue()) {
        String colour = COLOURS[i % COLOURS.length];
        StringBuilder pts = new StringBuilder();
        for (Timeline.Point p : s.points()) {
          double x = left + (p.at().toEpochMilli() - t0) * (double) width / (t1 - t0);
          double y = 20 + height - p.value() / max * height;
          pts.append(fmt(x)).append(',').append(fmt(y)).append(' ');
        }
        svg.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.5\" points=\"").append(pts.toString().trim())
            .append("\"/>");
        svg.append("<text x=\"").append(left + width + 10).append("\" y=\"").append(34 + 16 * i).append("\" font-size=\"12\" fill=\"")
            .append(colour).append("\">").append(esc(s.name())).append("</text>");
        i++;
      }
      out.append(svg.append("</svg>"));
    }
    if (byUnit.isEmpty()) {
      out.append("<ul>");
      t.markers().forEach(m -> out.append("<li>").append(esc(m.label())).append(" at ").append(m.at()).append("</li>"));
      out.append("</ul>");
    }
    return out.toString();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}

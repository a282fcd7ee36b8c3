package io.streamdr.cli;

import io.streamdr.core.region.Region;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.kafka.schema.SchemaRegistryComparison;
import io.streamdr.kafka.verify.BackupIntegrityVerifier;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "verify", mixinStandardHelpOptions = true, header = "Prove a region or a restore holds exactly the source.",
    description = {"Prove that a region holds exactly another region's records (or a backup's): per partition counts, offset "
            + "ranges and content digests, every difference located. Replicated topics are named as the configuration's "
            + "'replication' says. Target records past the compared range fail as EXTRA unless the source holds them after "
            + "the cut. Compacted topics are compared by latest value per key.",
        "With --schemas, compare the two regions' Schema Registries instead: every subject and version, its schema id, type and text.",
        "Exit code: 0 identical, 1 records missing, extra, altered, reordered or not yet replicated (or schemas differing), 2 error."})
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--source", description = "Region to compare from (default: the primary).")
  String source;

  @Option(names = "--target", description = "Region to compare with (default: the other region).")
  String target;

  @Option(names = "--topics", split = ",", description = "Topics, named as in the source, comma-separated.")
  List<String> topics = List.of();

  @Option(names = "--cutoff", paramLabel = "INSTANT", description = "Compare only source records stamped up to this instant, in UTC, e.g. 2026-11-24T05:30:00Z (default: the source's end when verification starts).")
  Instant cutoff;

  @Option(names = "--comparison", paramLabel = "HOW", description = "auto (default: latest value per key for compacted topics, else record by record), records, or latest-per-key.")
  String comparison = "auto";

  @Option(names = "--backup", description = "Compare this backup with --target instead of two regions (all its topics, or those --topics names).")
  String backup;

  @Option(names = "--schemas", description = "Compare the regions' Schema Registries (regions[].schemaRegistry) instead of topics.")
  boolean schemas;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    StreamDrConfig cfg = config.load();
    Region from = cfg.regionOrPrimary(source);
    Region to = target == null ? cfg.topology().other(from) : cfg.region(target);
    if (schemas) {
      if (backup != null || !topics.isEmpty() || cutoff != null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--schemas compares two registries; it takes no --backup, --topics or --cutoff");
      }
      return compareSchemas(cfg, from, to);
    }
    KafkaIntegrityVerifier verifier = new KafkaIntegrityVerifier(cfg.clusters());
    if (backup == null && topics.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Name the topics to compare with --topics");
    }
    io.streamdr.core.verify.Comparison how = switch (comparison.toLowerCase(java.util.Locale.ROOT)) {
      case "auto" -> io.streamdr.core.verify.Comparison.AUTO;
      case "records" -> io.streamdr.core.verify.Comparison.RECORDS;
      case "latest-per-key" -> io.streamdr.core.verify.Comparison.LATEST_PER_KEY;
      default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--comparison takes auto, records or latest-per-key, not '%s'".formatted(comparison));
    };
    if (backup != null && cutoff != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--cutoff does not apply to --backup: a backup's cut is the one it was taken at");
    }
    IntegrityReport report;
    try (Progress progress = Progress.spinner(spec.commandLine().getErr(), "comparison of " + (backup != null ? "backup " + backup
        : from.name()) + " with " + to.name())) {
      if (backup != null) {
        BackupIntegrityVerifier backups = new BackupIntegrityVerifier(cfg.backups(), cfg.clusters()).progress(progress.counts());
        VerificationRequest.Builder b = backups.requestFor(backup, to.name()).comparison(how);
        if (!topics.isEmpty()) {
          b.topics(topics);
        }
        report = backups.verify(b.build());
      } else {
        verifier.progress(progress.counts());
        VerificationRequest.Builder b = VerificationRequest.builder(from.name(), to.name()).topics(topics.toArray(String[]::new))
            .naming(cfg.naming(from.name())).comparison(how);
        if (cutoff != null) {
          b.cutoff(cutoff);
        }
        report = verifier.verify(b.build());
      }
      if (report.passed()) {
        progress.done(report.verdict().name());
      } else {
        progress.failed(report.verdict().name() + ", " + report.discrepancies().size() + " discrepancies");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(json ? report.toJson() : report.toText());
    out.flush();
    return report.passed() ? 0 : 1;
  }

  private int compareSchemas(StreamDrConfig cfg, Region from, Region to) throws java.io.IOException {
    SchemaRegistryComparison.Report report = new SchemaRegistryComparison(cfg.schemaRegistry(from.name()),
        cfg.schemaRegistry(to.name())).compare();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("source", from.name());
      doc.put("target", to.name());
      doc.put("identical", report.identical());
      doc.put("subjects", report.subjects());
      doc.put("versions", report.versions());
      doc.put("differences", report.differences());
      out.println(io.streamdr.core.internal.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    } else {
      out.printf("Schema Registry of %s compared with %s's: %s (%d subject%s, %d version%s)%n", from.name(), to.name(),
          report.identical() ? "IDENTICAL" : report.differences().size() + " difference" + (report.differences().size() == 1 ? "" : "s"),
          report.subjects(), report.subjects() == 1 ? "" : "s", report.versions(), report.versions() == 1 ? "" : "s");
      report.differences().forEach(d -> out.printf("  %s %s%s: %s%n", d.kind(), d.subject(),
          d.version() < 0 ? "" : " version " + d.version(), d.detail()));
    }
    out.flush();
    return report.identical() ? 0 : 1;
  }
}

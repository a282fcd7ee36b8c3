package io.streamdr.kafka.verify;

import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.PartitionComparator;
import java.util.List;

/** One partition compared: the comparison, and what the consumer groups' positions there got wrong. */
record ComparedPartition(PartitionComparator.Outcome outcome, List<Discrepancy> groupIssues) {}

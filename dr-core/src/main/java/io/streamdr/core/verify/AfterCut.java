package io.streamdr.core.verify;

import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How target records past the compared range are judged. A verification compares the source up to a cut; the
 * target may hold records past the last compared one. They are "beyond the cut" only when the cut explains them,
 * and EXTRA (a failure) otherwise: a doubled copy or a foreign write never passes as "written later".
 */
public sealed interface AfterCut {

  /** Nothing explains them: every target record past the compared range is EXTRA. */
  static AfterCut none() {
    return None.INSTANCE;
  }

  /**
   * They are explained when the source holds them after the cut, in the same order: replication that continued
   * while verification ran. {@code sourceAfterCut} is opened only if the target has such records.
   */
  static AfterCut sourceContinues(Supplier<Iterator<RecordFingerprint>> sourceAfterCut) {
    return new SourceContinues(Objects.requireNonNull(sourceAfterCut, "sourceAfterCut"));
  }

  /** They are explained when stamped after this instant (a backup's cut compared with another cluster). */
  static AfterCut stampedAfter(Instant cut) {
    return new StampedAfter(Objects.requireNonNull(cut, "cut"));
  }

  /** They are explained when at or after this offset: the target is the source itself, read past the cut. */
  static AfterCut offsetsFrom(long firstOffsetAfterCut) {
    return new OffsetsFrom(firstOffsetAfterCut);
  }

  /** See {@link #none()}. */
  enum None implements AfterCut {
    INSTANCE
  }

  /** See {@link #sourceContinues}. */
  record SourceContinues(Supplier<Iterator<RecordFingerprint>> sourceAfterCut) implements AfterCut {
    Iterator<RecordFingerprint> open() {
      Iterator<RecordFingerprint> it = sourceAfterCut.get();
      return it == null ? Collections.emptyIterator() : it;
    }
  }

  /** See {@link #stampedAfter}. */
  record StampedAfter(Instant cut) implements AfterCut {}

  /** See {@link #offsetsFrom}. */
  record OffsetsFrom(long firstOffsetAfterCut) implements AfterCut {}
}

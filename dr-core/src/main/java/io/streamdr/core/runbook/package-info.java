/**
 * Runbooks as code: a {@link io.streamdr.core.runbook.Runbook} of named steps over the library's interfaces, run or
 * dry-run, with a timeline of every step, its phase and the measured RTO and RPO against the recovery objectives.
 * {@link io.streamdr.core.runbook.Runbooks} holds the DR guide's procedures built from those steps.
 */
package io.streamdr.core.runbook;

/** RFC 9457 problem details, the body of every error response. */
export interface ProblemDetails {
  /** Stable identifier of the problem kind, e.g. `urn:voicecast:problem:validation-error`. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /**
   * For validation problems: each offending field with its message; for
   * `compliance-violation`, also the rule it breaks (e.g. `us.ring-time`).
   */
  errors?: { field: string; message: string; rule?: string }[];
  requestId?: string;
  /** For readiness problems: the state of each dependency. */
  checks?: Record<string, DependencyCheck>;
}

export interface DependencyCheck {
  status: 'up' | 'down';
  /** Why the dependency is considered down. */
  error?: string;
}

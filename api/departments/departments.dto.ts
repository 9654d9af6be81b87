/**
 * A department's name: unique regardless of case, 1–200 characters, no control characters
 * (CR, LF, TAB, NUL, …) and no leading or trailing white space.
 * @minLength 1
 * @maxLength 200
 */
export type DepartmentName = string;

/**
 * The department's limits over all its members' campaigns together; null: not set (the
 * owner's and the installation's limits still apply, the strictest binds).
 */
export interface DepartmentLimits {
  /**
   * Simultaneous calls.
   * @isInt
   * @minimum 1
   * @maximum 100000
   */
  maxConcurrentCalls: number | null;
  /**
   * Calls placed per calendar day (UTC).
   * @isInt
   * @minimum 1
   * @maximum 100000000
   */
  maxCallsPerDay: number | null;
  /** At most `maxCalls` calls to one number per `windowSeconds`; both or neither. */
  frequencyCap: DepartmentFrequencyCap | null;
}

export interface DepartmentFrequencyCap {
  /**
   * @isInt
   * @minimum 1
   * @maximum 1000
   */
  maxCalls: number;
  /**
   * @isInt
   * @minimum 1
   * @maximum 2592000
   */
  windowSeconds: number;
}

export interface DepartmentView extends DepartmentLimits {
  /** @format uuid */
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface DepartmentPage {
  items: DepartmentView[];
  /** Pass as `after` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/** A new department; limits not given are not set. */
export interface CreateDepartmentRequest {
  name: DepartmentName;
  /**
   * @isInt
   * @minimum 1
   * @maximum 100000
   */
  maxConcurrentCalls?: number | null;
  /**
   * @isInt
   * @minimum 1
   * @maximum 100000000
   */
  maxCallsPerDay?: number | null;
  frequencyCap?: DepartmentFrequencyCap | null;
}

/**
 * Changes the fields given, leaves the others; `null` clears a limit. Managers of the
 * department may change its limits; only administrators rename it.
 */
export interface UpdateDepartmentRequest {
  name?: DepartmentName;
  /**
   * @isInt
   * @minimum 1
   * @maximum 100000
   */
  maxConcurrentCalls?: number | null;
  /**
   * @isInt
   * @minimum 1
   * @maximum 100000000
   */
  maxCallsPerDay?: number | null;
  frequencyCap?: DepartmentFrequencyCap | null;
}

/** A member of a department, as its managers see them. */
export interface DepartmentMemberView {
  /** @format uuid */
  id: string;
  username: string;
  displayName: string | null;
  /** Whether the member is also one of the department's managers. */
  manager: boolean;
}

export interface DepartmentMemberPage {
  items: DepartmentMemberView[];
  /** Pass as `after` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/** A department as `GET /api/v1/me` names it. */
export interface DepartmentRef {
  /** @format uuid */
  id: string;
  name: string;
}

export interface SharingRequest {
  /** true: share with the owner's department (the owner must belong to one); false: stop sharing. */
  shared: boolean;
}

export interface SharingView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  shared: boolean;
}

import { v7 } from 'uuid';

/**
 * A new row's id: a UUID whose first 48 bits are the moment it was made (RFC 9562 version 7), the
 * rest random. Rows made one after another get ids in order, so each primary-key index (and every
 * index or foreign key on those ids) grows at its end instead of at a random page: an import of a
 * million episodes stops reading and writing back index pages all over the table. Ids say when a
 * row was made, which the row says anyway; nothing secret is ever an id.
 */
export const newId = (): string => v7();

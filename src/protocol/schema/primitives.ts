import { Type } from '@sinclair/typebox';

export const NonEmptyString = Type.String({ minLength: 1 });
export const NonNegativeInt = Type.Integer({ minimum: 0 });
/** An object whose contents are not checked (the real gateway tolerates anything there). */
export const OpenObject = Type.Object({}, { additionalProperties: true });

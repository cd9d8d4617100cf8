import { InvalidArgumentError } from '@vela/errors';

/**
 * Prefixed proto enums (`TRIAL_STATE_RUNNING`) ↔ the domain's bare names (`RUNNING`).
 * The `_UNSPECIFIED` zero value and unknown numbers are refused, naming the field.
 */
export function enumConverter<E extends Record<string, string | number>, Name extends string>(protoEnum: E, prefix: string) {
  const toName = (value: number, field: string): Name => {
    const key = protoEnum[value as unknown as keyof E];
    if (typeof key !== 'string' || !key.startsWith(prefix) || key === `${prefix}UNSPECIFIED`) {
      const allowed = Object.keys(protoEnum).filter((k) => k.startsWith(prefix) && k !== `${prefix}UNSPECIFIED`);
      throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}, got ${key ?? value}`, field);
    }
    return key.slice(prefix.length) as Name;
  };
  const toProto = (name: Name): E[keyof E] => {
    const value = protoEnum[`${prefix}${name}` as keyof E];
    if (value === undefined) throw new InvalidArgumentError(`'${name}' has no ${prefix}* value`);
    return value;
  };
  return { toName, toProto };
}

/** Commands and events are plain readonly data tagged with the type string the store keeps. */
export type Message<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

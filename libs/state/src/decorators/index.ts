export * from './apply.decorator';
export * from './state-definition.decorator';
